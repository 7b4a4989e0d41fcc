import t from 'tap'
import { integrationEventsProjection } from '../../projections/integrationEvents.js'
import { mappingsProjection } from '../../projections/mappings.js'
import type { Projection } from '../../projections/projection.js'
import { createSecurityEventsProjection } from '../../projections/securityEvents.js'
import { ticketDecider } from '../../src/domain/ticket.js'
import { createCommandHandler } from '../../src/services/commandHandler.js'
import { createProjectionRunner } from '../../src/services/projectionRunner.js'
import { createSecurityEventsService } from '../../src/services/securityEvents.js'
import { openSqliteStore } from '../../src/store/sqlite/sqliteStore.js'
import { fact } from '../support/storeFacts.js'

// Given a threat whose ticket stream is long (an event received long ago, then a thousand repeats
// noted on its ticket), when the event has left memory and is read back from the store, then its
// outcome is the one its facts give, read from the stream's end back to its arrival.

const received = (eventKey: string, threatKey: string) =>
  fact('SecurityEventReceived', {
    deliveryId: `d-${eventKey}`,
    index: 0,
    eventKey,
    threatKey,
    module: 'av',
    companyId: 'c1',
    blocked: true,
    isTest: false,
    event: { module: 'av' }
  })

t.test('an event out of memory in a long ticket stream is read back whole, by list and by key', async (t) => {
  const store = openSqliteStore({ path: ':memory:' })
  t.teardown(() => store.close())
  const ids = { mappingId: 'm1', halopsaClientId: 101, threatKey: 'th-long' }
  await store.append('gzDelivery-first', [received('se-first', 'th-long')])
  await store.append('ticket-th-long', [
    fact('TicketCreated', { ...ids, ticketId: 7, securityEventKey: 'se-first', summary: 's', blocked: true })
  ])
  for (let batch = 0; batch < 3; batch++) {
    const repeats = Array.from({ length: 400 }, (_, i) => `se-r${batch * 400 + i}`)
    await store.append(
      `gzDelivery-r${batch}`,
      repeats.map((key) => received(key, 'th-long'))
    )
    await store.append(
      'ticket-th-long',
      repeats.map((securityEventKey) => fact('TicketNoteAdded', { ...ids, ticketId: 7, securityEventKey }))
    )
  }
  await store.append('ticket-th-long', [fact('TicketClosed', { ...ids, ticketId: 7, by: 'auto-close' })])
  const runner = createProjectionRunner({
    store,
    projections: [
      createSecurityEventsProjection(10) as Projection<unknown>,
      mappingsProjection as Projection<unknown>,
      integrationEventsProjection as Projection<unknown>
    ],
    snapshots: false
  })
  t.teardown(() => runner.stop())
  await runner.start()
  await runner.waitForPosition(await store.headPosition())
  const service = createSecurityEventsService({
    store,
    runner,
    ticket: createCommandHandler(store, ticketDecider)
  })

  const first = await service.get('se-first')
  t.match(first, { key: 'se-first', outcome: 'auto-closed', ticketId: 7 }, 'its ticket, closed 1,200 facts later')
  t.same(
    first.facts.map((f) => f.type),
    ['SecurityEventReceived', 'TicketCreated', 'TicketClosed']
  )
  t.match(await service.get('se-r5'), { outcome: 'noted', ticketId: 7 })
  // The whole list, 200 at a time: every event once, with its outcome
  const seen = new Map<string, string>()
  let cursor: string | undefined
  for (;;) {
    const page = await service.list({}, 200, cursor)
    for (const item of page.items) seen.set(item.key, item.outcome)
    if (page.nextCursor === null) break
    cursor = page.nextCursor
  }
  t.equal(seen.size, 1_201)
  t.equal(seen.get('se-first'), 'auto-closed')
  t.equal([...seen.values()].filter((o) => o === 'noted').length, 1_200)
  t.match(service.summary(), { total: 1_201, byOutcome: { noted: 1_200, 'auto-closed': 1 } })
})
