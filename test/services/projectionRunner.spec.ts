import t from 'tap'
import { createProjectionRunner, type Projection } from '../../src/services/projectionRunner.js'
import type { EventStore, StoredFact, Subscription } from '../../src/store/port.js'
import { fact } from '../support/storeFacts.js'
import { selectedStores } from '../support/stores.js'

/** A read model that records every position it folds, to prove no fact is folded twice or skipped. */
const recorder: Projection<bigint[]> = {
  name: 'recorder',
  version: 1,
  initialState: () => [],
  evolve: (s, f) => (s.push(f.position), s)
}

/** Wraps a store so that the first subscriptions break after `breakAfter` facts, like a dropped connection. */
const flaky = (store: EventStore, drops: number, breakAfter: number): EventStore & { dropped: () => number } => {
  let dropped = 0
  return {
    ...store,
    dropped: () => dropped,
    subscribeToAll(options) {
      const inner = store.subscribeToAll(options)
      if (dropped >= drops) return inner
      const sub: Subscription = {
        caughtUp: inner.caughtUp,
        unsubscribe: () => inner.unsubscribe(),
        async *[Symbol.asyncIterator]() {
          let n = 0
          for await (const f of inner) {
            yield f
            if (++n === breakAfter) {
              dropped++
              await inner.unsubscribe()
              throw new Error('connection dropped')
            }
          }
        }
      }
      return sub
    }
  }
}

for (const factory of selectedStores()) {
  t.test(`projection runner on ${factory.name}`, async (t) => {
    t.test('catches up, follows live appends, and lets a caller read its own writes', async (t) => {
      const { store, cleanup } = await factory.open()
      t.teardown(cleanup)
      for (let i = 0; i < 30; i++) await store.append(`runner-${i % 3}`, [fact('Tick', { i })])
      const runner = createProjectionRunner({ store, projections: [recorder as Projection<unknown>] })
      t.teardown(() => runner.stop())
      await runner.start()
      t.equal(runner.state(recorder).length, 30, 'start resolves once caught up')
      const { position } = await store.append('runner-x', [fact('Tick', { i: 30 })])
      await runner.waitForPosition(position)
      t.equal(runner.state(recorder).at(-1), position, 'the write is visible right after waitForPosition')
      t.equal(runner.position(), position)
    })

    t.test('survives dropped subscriptions without folding a fact twice or skipping one', async (t) => {
      const { store, cleanup } = await factory.open()
      t.teardown(cleanup)
      const unstable = flaky(store, 3, 7)
      const runner = createProjectionRunner({
        store: unstable,
        projections: [recorder as Projection<unknown>],
        backoff: { minMs: 5, maxMs: 20 }
      })
      t.teardown(() => runner.stop())
      for (let i = 0; i < 10; i++) await store.append('drop-a', [fact('Tick')])
      await runner.start()
      const appends = await Promise.all(
        Array.from({ length: 40 }, (_, i) => store.append(`drop-${i % 4}`, [fact('Tick')]))
      )
      const last = appends.reduce((max, a) => (a.position > max ? a.position : max), 0n)
      await runner.waitForPosition(last)
      t.equal(unstable.dropped(), 3, 'the subscription dropped three times')
      t.equal(runner.stats().resubscriptions, 3)
      const folded = runner.state(recorder)
      const stored = (await store.readAll()).map((f: StoredFact) => f.position)
      t.same(folded, stored, 'folded exactly the stored facts, in order, once each')
    })

    t.test('waitForPosition gives up after its deadline', async (t) => {
      const { store, cleanup } = await factory.open()
      t.teardown(cleanup)
      const runner = createProjectionRunner({ store, projections: [recorder as Projection<unknown>] })
      t.teardown(() => runner.stop())
      await runner.start()
      await t.rejects(runner.waitForPosition(10_000_000n, 50), /did not reach position/)
    })
  })
}
