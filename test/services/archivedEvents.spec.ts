import t from 'tap'
import { RECENT_CLOSED, integrationEventsProjection } from '../../projections/integrationEvents.js'
import { createRelay } from '../../src/services/relay.js'
import type { EventView } from '../../src/services/views.js'
import { openSqliteStore } from '../../src/store/sqlite/sqliteStore.js'
import { fact } from '../support/storeFacts.js'

/**
 * Closed events beyond the recent ones leave memory (archived) and the API shows them from their
 * facts, read back from the store, as it showed them while they were kept whole.
 */

const company = '0000000000000000000000a1'
const ids = { mappingId: 'm1', gravityzoneCompanyId: company }

t.test('an archived closed event is listed and shown from its facts as it was when kept whole', async (t) => {
  // Given a mapping whose company disappeared and came back more times than closed events are kept whole
  const store = openSqliteStore({ path: ':memory:' })
  const relay = createRelay({ store, snapshots: false })
  t.teardown(async () => {
    await relay.stop()
    await store.close()
  })
  await store.append('mappingRegistry-main', [
    fact('MappingCreated', {
      mappingId: 'm1',
      gravityzoneCompanyId: company,
      gravityzoneCompanyName: 'Acme',
      halopsaClientId: 101,
      halopsaClientName: 'Acme Dental',
      billing: { enabled: false },
      ticketing: { enabled: false }
    })
  ])
  await relay.start()
  const flap = () => [fact('CompanyNotFound', { ...ids, halopsaClientId: 101 }), fact('CompanyFound', ids)]
  const { position: first } = await store.append('mappingHealth-m1', flap())
  await relay.runner.waitForPosition(first)
  const oldest = (await relay.events.list({ status: 'closed' })).items[0]!
  const oldestWhole = await relay.events.get(oldest.id)
  let last = first
  for (let i = 0; i < RECENT_CLOSED + 4; i += 50)
    last = (await store.append('mappingHealth-m1', Array.from({ length: 50 }, flap).flat())).position
  await relay.runner.waitForPosition(last)

  // When the API lists and shows it after it was archived
  const state = relay.runner.state(integrationEventsProjection)
  t.ok(state.archived.has(oldest.id), 'the oldest closed event is archived')
  t.equal(state.recentlyClosed.size, RECENT_CLOSED, 'only the recent closed events are kept whole')
  const shown = await relay.events.get(oldest.id)
  const listed: EventView[] = []
  let cursor: string | undefined
  do {
    const page = await relay.events.list({ status: 'closed', limit: 500, ...(cursor ? { cursor } : {}) })
    listed.push(...page.items)
    cursor = page.nextCursor ?? undefined
  } while (cursor)

  // Then it reads as it did, and every closed event is listed once
  t.same(shown, oldestWhole, 'GET /api/events/:id shows the archived event as before, facts included')
  t.same(
    listed.find((e) => e.id === oldest.id),
    oldest,
    'the list shows it as before'
  )
  t.equal(listed.length, new Set(listed.map((e) => e.id)).size, 'no event listed twice')
  t.equal(listed.length, state.recentlyClosed.size + state.archived.size, 'every closed event listed')
})
