import t, { type Test } from 'tap'
import { createRelayProjections } from '../../projections/index.js'
import type { SecurityEventsState } from '../../projections/securityEvents.js'
import { RECENT_CLOSED, integrationEventsProjection } from '../../projections/integrationEvents.js'
import type { Projection } from '../../projections/projection.js'
import { createProjectionRunner, type ProjectionRunner } from '../../src/services/projectionRunner.js'
import { seal } from '../../src/services/snapshots/seal.js'
import { compareWithRebuild, serialisedState } from '../../src/services/snapshots/rebuild.js'
import type { EventStore, NewFact } from '../../src/store/port.js'
import { benchFacts } from '../../bench/support/facts.js'
import { fact, waitFor } from '../support/storeFacts.js'
import { selectedStores } from '../support/stores.js'

/**
 * Read-model snapshots over the store matrix: a relay restarted from its snapshots has the read
 * models a full rebuild gives, and a snapshot it cannot trust (another projection version, damaged,
 * taken on another store) is ignored and the read model rebuilt.
 */

/** Snapshots only when the test asks for one. */
const manual = { everyFacts: 0, intervalMs: 0 }

const append = async (store: EventStore, batches: Iterable<{ stream: string; facts: NewFact[] }>) => {
  for (const { stream, facts } of batches) await store.append(stream, facts)
}

/** Companies that disappear and come back, enough times that the oldest closed events are archived. */
function* flaps(rounds: number, mappings = 40): Generator<{ stream: string; facts: NewFact[] }> {
  for (let m = 0; m < mappings; m++) {
    const ids = { mappingId: `m${m}`, gravityzoneCompanyId: m.toString(16).padStart(24, '0') }
    yield {
      stream: `mappingHealth-m${m}`,
      facts: Array.from({ length: Math.ceil(rounds / mappings) }, () => [
        fact('CompanyNotFound', { ...ids, halopsaClientId: 1000 + m }),
        fact('CompanyFound', ids)
      ]).flat()
    }
  }
}

type SnapshotOption = Parameters<typeof createProjectionRunner>[0]['snapshots']

/**
 * Every read model the relay keeps, the security events keeping records for the newest 50 only: the
 * history below has hundreds more, so most of them have left memory and are counted by day.
 */
const projections = createRelayProjections({ securityEventsInMemory: 50 })

const started = async (t: Test, store: EventStore, snapshots: SnapshotOption) => {
  const runner = createProjectionRunner({ store, projections, snapshots })
  t.teardown(() => runner.stop())
  await runner.start()
  return runner
}

const serialised = (runner: ProjectionRunner, projections: readonly Projection<unknown>[]) =>
  projections.map((p) => serialisedState(p, runner.state(p)))

/** A projection small enough to tamper with: counts the facts it folds. */
const counter = (version: number): Projection<{ n: number; seen: Set<string> }> => ({
  name: 'counter',
  version,
  initialState: () => ({ n: 0, seen: new Set() }),
  evolve: (s, f) => (s.n++, s.seen.add(f.stream), s)
})

const startCounter = async (t: Test, store: EventStore, version = 1) => {
  const runner = createProjectionRunner({
    store,
    projections: [counter(version) as Projection<unknown>],
    snapshots: manual
  })
  t.teardown(() => runner.stop())
  await runner.start()
  return runner
}

for (const factory of selectedStores()) {
  t.test(`read-model snapshots on ${factory.name}`, async (t) => {
    t.test('a relay restarted from its snapshots has the same read models as a full rebuild', async (t) => {
      const { store, cleanup } = await factory.open()
      t.teardown(cleanup)
      // Given a history of deliveries, tickets, billing and more closed events than are kept whole
      await append(store, benchFacts(3_000))
      await append(store, flaps(RECENT_CLOSED + 120))
      const first = await started(t, store, manual)
      const events = first.state(integrationEventsProjection)
      t.ok(events.archived.size > 0, `closed events beyond the recent ones are archived (${events.archived.size})`)
      const report = await first.snapshot()
      t.ok(report, 'a snapshot was saved')
      t.same(
        report!.readModels.map((r) => r.name),
        projections.map((p) => p.name),
        'one per read model'
      )
      const security = first.state(projections.find((p) => p.name === 'securityEvents')!) as SecurityEventsState
      t.ok(security.archivedTotal > 300, `older security events have left memory (${security.archivedTotal})`)
      t.ok(security.events.size === 50 && security.held.size > 0, 'the newest are kept, and those still open held')
      // and facts that arrived after the snapshot
      await append(store, flaps(80, 20))
      await store.append('mappingRegistry-main', [
        fact('MappingDeleted', { mappingId: 'm7' }),
        fact('MappingDeleted', { mappingId: 'm8' })
      ])
      await first.stop()

      // When the relay starts again from its snapshots
      const restarted = await started(t, store, manual)
      const rebuilt = await started(t, store, false)
      await rebuilt.waitForPosition(await store.headPosition())
      await restarted.waitForPosition(await store.headPosition())

      // Then every read model was loaded, only the facts after the snapshot were folded,
      // and every read model equals the one folded from the first fact
      t.same(
        restarted.stats().snapshots.loads.map((l) => l.outcome),
        projections.map(() => 'loaded')
      )
      t.ok(
        restarted.stats().folded < rebuilt.stats().folded / 10,
        'read models that all have snapshots fold only the facts after them'
      )
      t.ok(
        serialised(restarted, projections).every((s, i) => s === serialised(rebuilt, projections)[i]),
        'every read model serialises the same'
      )
      const comparison = await compareWithRebuild(store, projections)
      t.ok(comparison.same, 'compareWithRebuild finds every read model the same')
      t.equal(comparison.position, await store.headPosition())
    })

    t.test('a snapshot written for an older projection version is ignored and the read model rebuilt', async (t) => {
      const { store, cleanup } = await factory.open()
      t.teardown(cleanup)
      for (let i = 0; i < 20; i++) await store.append(`tick-${i % 4}`, [fact('Tick', { i })])
      const old = await startCounter(t, store, 1)
      await old.snapshot()
      await old.stop()
      await store.append('tick-9', [fact('Tick')])

      const current = await startCounter(t, store, 2)
      await current.waitForPosition(await store.headPosition())
      const [load] = current.stats().snapshots.loads
      t.equal(load?.outcome, 'ignored')
      t.match(load, { reason: /another version/ })
      t.equal(current.state(counter(2)).n, 21, 'every fact folded from the first')
      t.equal(current.stats().folded, 21)
    })

    t.test('a damaged snapshot is ignored and the read model rebuilt', async (t) => {
      const { store, cleanup } = await factory.open()
      t.teardown(cleanup)
      for (let i = 0; i < 20; i++) await store.append(`tick-${i % 4}`, [fact('Tick', { i })])
      const first = await startCounter(t, store)
      await first.snapshot()
      await first.stop()
      const saved = (await store.loadSnapshot('counter'))!

      // A flipped byte: the checksum no longer matches
      const flipped = Buffer.from(saved.data)
      flipped[flipped.length >> 1]! ^= 0xff
      await store.saveSnapshot({ ...saved, data: flipped })
      const afterFlip = await startCounter(t, store)
      t.match(afterFlip.stats().snapshots.loads[0], { outcome: 'ignored', reason: /checksum/ })
      t.equal(afterFlip.state(counter(1)).n, 20)
      await afterFlip.stop()

      // Bytes whose checksum matches but that are no snapshot
      const garbage = await seal(Buffer.from('not a snapshot at all'))
      await store.saveSnapshot({ ...saved, ...garbage })
      const afterGarbage = await startCounter(t, store)
      t.match(afterGarbage.stats().snapshots.loads[0], { outcome: 'ignored', reason: /damaged/ })
      t.equal(afterGarbage.state(counter(1)).n, 20)
      t.equal(afterGarbage.state(counter(1)).seen.size, 4)
    })

    t.test('a snapshot taken after a fact this store does not hold is ignored', async (t) => {
      const { store, cleanup } = await factory.open()
      t.teardown(cleanup)
      for (let i = 0; i < 5; i++) await store.append('tick-a', [fact('Tick', { i })])
      const first = await startCounter(t, store)
      await first.snapshot()
      await first.stop()
      const saved = (await store.loadSnapshot('counter'))!
      // Given a snapshot from another store (restored from another backup): same position, another fact
      await store.saveSnapshot({ ...saved, factId: '00000000-0000-4000-8000-000000000000' })
      const again = await startCounter(t, store)
      t.match(again.stats().snapshots.loads[0], { outcome: 'ignored', reason: /does not hold fact/ })
      t.equal(again.state(counter(1)).n, 5)
    })

    t.test('snapshots are taken in the background every N facts once caught up', async (t) => {
      const { store, cleanup } = await factory.open()
      t.teardown(cleanup)
      const runner = createProjectionRunner({
        store,
        projections: [counter(1) as Projection<unknown>],
        snapshots: { everyFacts: 10, intervalMs: 0 }
      })
      t.teardown(() => runner.stop())
      await runner.start()
      let last = 0n
      for (let i = 0; i < 25; i++) last = (await store.append('tick-b', [fact('Tick', { i })])).position
      await runner.waitForPosition(last)
      await waitFor(() => runner.stats().snapshots.taken >= 2, { what: 'two snapshots' })
      t.ok(runner.stats().snapshots.taken >= 2, `two snapshots for 25 facts (${runner.stats().snapshots.taken})`)
      const saved = await store.loadSnapshot('counter')
      t.ok(saved && saved.position >= 20n, 'the latest is at least 20 facts in')
    })
  })
}
