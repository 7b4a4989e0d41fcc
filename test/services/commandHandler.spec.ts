import t from 'tap'
import { createCommandHandler } from '../../src/services/commandHandler.js'
import { mappingRegistry } from '../../src/domain/mappingRegistry.js'
import { eventActions, type EventView } from '../../src/domain/eventActions.js'
import { isDomainError } from '../../src/domain/errors.js'
import { WrongExpectedVersion } from '../../src/store/errors.js'
import type { EventStore } from '../../src/store/port.js'
import { selectedStores } from '../support/stores.js'

const cause = (actor: string) => ({ actor, correlationId: `req-${actor}` })
const mapping = (mappingId: string, company: string, client: number) => ({
  type: 'CreateMapping' as const,
  data: {
    mappingId,
    gravityzoneCompanyId: company,
    halopsaClientId: client,
    billing: { enabled: false },
    ticketing: { enabled: true }
  }
})

for (const factory of selectedStores()) {
  t.test(`command handling on ${factory.name}`, async (t) => {
    const { store, cleanup } = await factory.open()
    t.teardown(cleanup)

    t.test('appends the decided facts with metadata and reports their position', async (t) => {
      const handler = createCommandHandler(store, mappingRegistry)
      const result = await handler.handle('mappingRegistry-t1', mapping('m1', 'c1', 1), cause('alice'))
      t.equal(result.facts.length, 1)
      t.match(result.facts[0], {
        type: 'MappingCreated',
        metadata: { actor: 'alice', correlationId: 'req-alice', causationId: 'req-alice' }
      })
      t.equal(result.position, result.facts[0]!.position)
      t.ok(result.state.mappings.has('m1'))
    })

    t.test('two processes creating mappings for one company concurrently: exactly one wins', async (t) => {
      // Two handlers = two processes: separate caches and queues, the store's revision decides.
      const a = createCommandHandler(store, mappingRegistry, { minDelayMs: 5 })
      const b = createCommandHandler(store, mappingRegistry, { minDelayMs: 5 })
      const results = await Promise.allSettled([
        a.handle('mappingRegistry-t2', mapping('ma', 'same-company', 10), cause('a')),
        b.handle('mappingRegistry-t2', mapping('mb', 'same-company', 11), cause('b'))
      ])
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      t.equal(rejected.length, 1)
      t.ok(
        isDomainError(rejected[0]!.reason) && rejected[0]!.reason.code === 'company_already_mapped',
        'the loser is refused by the rule, not by a conflict'
      )
      t.equal((await store.readStream('mappingRegistry-t2')).length, 1)
    })

    t.test(
      'two concurrent acknowledgements of one event: one wins, the other is refused and records nothing',
      async (t) => {
        const event: EventView = { id: 'e-ack', type: 'ticket-creation-failed', status: 'active' }
        const a = createCommandHandler(store, eventActions, { minDelayMs: 5 })
        const b = createCommandHandler(store, eventActions, { minDelayMs: 5 })
        const results = await Promise.allSettled([
          a.handle('integrationEvent-e-ack', { type: 'Acknowledge', data: { event } }, cause('a')),
          b.handle('integrationEvent-e-ack', { type: 'Acknowledge', data: { event } }, cause('b'))
        ])
        t.same(results.map((r) => r.status).sort(), ['fulfilled', 'rejected'])
        const loser = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!
        t.match(loser.reason, { code: 'event_closed' })
        t.equal((await store.readStream('integrationEvent-e-ack')).length, 1)
      }
    )

    t.test('commands on one stream in one process run one after another', async (t) => {
      const handler = createCommandHandler(store, mappingRegistry)
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          handler.handle('mappingRegistry-t3', mapping(`m${i}`, `c${i}`, 100 + i), cause('bulk'))
        )
      )
      t.equal((await store.readStream('mappingRegistry-t3')).length, 20)
      t.equal((await handler.load('mappingRegistry-t3')).mappings.size, 20)
    })

    t.test('a decider with nothing to say appends nothing', async (t) => {
      const handler = createCommandHandler(store, mappingRegistry)
      await handler.handle('mappingRegistry-t4', mapping('m1', 'c1', 1), cause('a'))
      const result = await handler.handle(
        'mappingRegistry-t4',
        { type: 'UpdateMapping', data: { mappingId: 'm1', changes: { gravityzoneCompanyId: 'c1' } } },
        cause('a')
      )
      t.same(result.facts, [])
      t.equal(result.position, null)
    })

    t.test('a conflict that persists is refused after a bounded number of retries', async (t) => {
      let appends = 0
      const alwaysConflicting: EventStore = {
        ...store,
        append: async (stream) => {
          appends++
          throw new WrongExpectedVersion(stream, 'no_stream', 0n)
        }
      }
      const handler = createCommandHandler(alwaysConflicting, mappingRegistry, { retries: 3, minDelayMs: 1 })
      await t.rejects(handler.handle('mappingRegistry-t5', mapping('m1', 'c1', 1), cause('a')), {
        code: 'concurrency_conflict'
      })
      t.equal(appends, 4, 'the first attempt and three retries')
    })
  })
}
