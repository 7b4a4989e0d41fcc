import t from 'tap'
import { newId } from '../../src/domain/ids.js'
import { streams } from '../../src/domain/streams.js'
import { defaultTicketRules } from '../../src/domain/ticketRules.js'
import type { EventStore } from '../../src/store/port.js'
import { createTicketingBacktest, type BacktestLimits } from '../../src/services/ticketingBacktest.js'
import { selectedStores } from '../support/stores.js'

/**
 * The backtest's walk through the store (src/services/ticketingBacktest.ts), on every store
 * adapter: it finds the period's first fact by walking back from the head in chunks, reads forward
 * in chunks from real positions only, stops at its limits saying which, and writes nothing.
 */

const DAY = 86_400_000
const now = Date.parse('2026-11-30T12:00:00Z')
const config = { ticketTypeId: 3, priorityId: 3, closedStatusName: 'Closed', autoCloseBlocked: false, modules: ['av'] }

const append = (store: EventStore, stream: string, type: string, data: unknown, daysAgo: number) =>
  store.append(stream, [
    {
      id: newId(),
      type,
      data,
      metadata: {
        correlationId: 'backtest-test',
        causationId: 'backtest-test',
        actor: 'relay',
        recordedAt: new Date(now - daysAgo * DAY).toISOString()
      }
    }
  ])

/** A security event and what live ticketing made of it, `daysAgo`. */
const event = async (store: EventStore, n: number, threat: string, outcome: 'created' | 'noted', daysAgo: number) => {
  const threatKey = `threat-${threat}`
  const securityEventKey = `event-${n}`
  await append(
    store,
    streams.gzDelivery(`delivery-${n}`),
    'SecurityEventReceived',
    {
      deliveryId: `delivery-${n}`,
      index: 0,
      eventKey: securityEventKey,
      threatKey,
      module: 'av',
      companyId: 'company-1',
      blocked: false,
      isTest: false,
      event: { module: 'av', malware_name: threat, computer_name: 'PC-1' }
    },
    daysAgo
  )
  const ticketId = threat === 'a' ? 1 : 2
  const common = { mappingId: 'mapping-1', ticketId, threatKey, securityEventKey }
  if (outcome === 'noted') await append(store, streams.ticket(threatKey), 'TicketNoteAdded', common, daysAgo)
  else
    await append(
      store,
      streams.ticket(threatKey),
      'TicketCreated',
      { ...common, halopsaClientId: 7, summary: threat, blocked: false, priorityId: 3 },
      daysAgo
    )
}

for (const factory of selectedStores()) {
  t.test(`the backtest's walk on ${factory.name}`, async (t) => {
    const { store, cleanup } = await factory.open()
    t.teardown(cleanup)
    // Given a ticket opened 40 days ago, its threat seen again in the period, and another threat.
    await event(store, 0, 'a', 'created', 40)
    await event(store, 1, 'a', 'noted', 5)
    await event(store, 2, 'b', 'created', 4)
    await event(store, 3, 'b', 'noted', 3)
    await event(store, 4, 'b', 'noted', 2)
    const head = await store.headPosition()
    const backtest = (limits: BacktestLimits) =>
      createTicketingBacktest({ store, ticketingConfiguration: async () => config, now: () => new Date(now), limits })
    const request = { rules: defaultTicketRules(), days: 30, maxEvents: 100 }

    // When it walks in chunks of two facts, then it starts at the period and agrees with what happened.
    const full = await backtest({ chunk: 2 })(request)
    t.match(full.events, { considered: 4, undecided: 0, capped: false })
    t.match(full.total.actual, { tickets: 1, notes: 3 })
    t.same(full.total.simulated, full.total.actual, 'the ticket opened before the period takes the repeat as a note')
    t.same([...full.byMapping.keys()], ['mapping-1'])

    const facts = await backtest({ chunk: 2, maxFacts: 3 })(request)
    t.match(facts.events, { capped: true, stoppedBy: 'facts', message: /stopped after 4 facts/ })
    t.ok(facts.events.considered < 4, 'later events were not considered')

    const time = await backtest({ chunk: 2, maxMs: -1 })(request)
    t.match(time.events, {
      considered: 0,
      capped: true,
      stoppedBy: 'time',
      message: /start of the period was not found/
    })

    const all = await backtest({ chunk: 500 })({ ...request, days: 60 })
    t.match(all.events, { considered: 5 })
    t.match(all.total.simulated, { tickets: 2, notes: 3 })
    t.equal(await store.headPosition(), head, 'nothing was written')
  })
}
