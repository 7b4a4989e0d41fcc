import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { recentFacts } from '../../src/store/sqlite/recentFacts.js'
import type { CommittedAppend } from '../../src/store/sqlite/groupCommit.js'
import { openSqliteStore } from '../../src/store/sqlite/sqliteStore.js'
import type { StoredFact } from '../../src/store/port.js'
import { fact } from '../support/storeFacts.js'

const append = (stream: string, ids: string[], lastPosition: number, lastRevision: number): CommittedAppend => ({
  append: {
    stream,
    expected: 'any',
    rows: ids.map((id) => ({ id, type: 'T', data: `{"id":"${id}"}`, metadata: '{}' })),
    resolve: () => undefined,
    reject: () => undefined
  },
  result: { position: BigInt(lastPosition), nextRevision: BigInt(lastRevision) },
  recordedAt: 1_700_000_000_000
})

t.test('recent facts: complete after a position, in order, repeats left out, bounded', async (t) => {
  const recent = recentFacts({ completeAfter: 10n, capacity: 4 })
  t.same(recent.after(10n, 100), [], 'nothing committed yet: nothing after the head')
  t.equal(recent.after(9n, 100), undefined, 'before the head: not here, read the store')

  recent.add([append('s-1', ['a', 'b'], 12, 1), append('s-2', ['c'], 13, 0)])
  t.same(
    recent.after(10n, 100),
    [
      [11, 's-1', 0, 'a', 'T', '{"id":"a"}', '{}', 1_700_000_000_000],
      [12, 's-1', 1, 'b', 'T', '{"id":"b"}', '{}', 1_700_000_000_000],
      [13, 's-2', 0, 'c', 'T', '{"id":"c"}', '{}', 1_700_000_000_000]
    ],
    'positions and revisions of every row, counted back from the last'
  )
  t.same(
    recent.after(11n, 1)?.map((r) => r[0]),
    [12],
    'from a position, at most max'
  )
  t.same(recent.after(13n, 10), [])

  recent.add([append('s-1', ['a', 'b'], 12, 1)])
  t.same(
    recent.after(10n, 100)?.map((r) => r[3]),
    ['a', 'b', 'c'],
    'an idempotent repeat (an old position) adds nothing'
  )

  recent.add([append('s-3', ['d', 'e', 'f', 'g', 'h', 'i'], 19, 5)])
  t.equal(
    recent.after(10n, 100),
    undefined,
    'past twice the capacity, the oldest rows go: what came before is read from the store'
  )
  t.same(
    recent.after(15n, 100)!.map((r) => r[0]),
    [16, 17, 18, 19],
    'the last `capacity` rows are still complete'
  )
  t.equal(recent.after(14n, 100), undefined)

  recent.skipTo(30n)
  t.equal(recent.after(19n, 100), undefined, 'skipped (nobody was following): what came before is read from the store')
  t.same(recent.after(30n, 100), [])
  recent.add([append('s-4', ['j'], 31, 0)])
  t.same(
    recent.after(30n, 100)?.map((r) => r[3]),
    ['j'],
    'complete again from the skipped-to position'
  )
})

t.test('a subscription at the head gets exactly what a read of the store gives, behind or not', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-recent-'))
  const store = openSqliteStore({ path: join(dir, 'relay.db') })
  t.teardown(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const plain = (f: StoredFact) => ({
    position: f.position,
    stream: f.stream,
    revision: f.revision,
    id: f.id,
    type: f.type,
    data: f.data,
    metadata: f.metadata,
    recordedAt: f.recordedAt.getTime()
  })

  // Appended while nobody follows (no rows kept), then followed from the start.
  await store.append('before-1', [fact('MappingCreated', { n: 0 })])
  const live = store.subscribeToAll({ from: 'start' })
  const seen: StoredFact[] = []
  const following = (async () => {
    for await (const f of live) {
      seen.push(f)
      if (seen.length === 1 + 30 * 3 + 1) return
    }
  })()
  // Concurrent appends (one transaction), a repeat, and appends of several facts.
  await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      store.append(
        `s-${i}`,
        [fact('MappingCreated', { i, k: 0 }), fact('MappingCreated', { i, k: 1 }), fact('MappingUpdated', { i })],
        { expectedRevision: 'no_stream' }
      )
    )
  )
  const again = fact('MappingRemoved', { last: true })
  await store.append('last', [again], { expectedRevision: 'no_stream' })
  await store.append('last', [again], { expectedRevision: 'no_stream' })
  await following
  await live.unsubscribe()

  const all = await store.readAll({ maxCount: 1000 })
  t.equal(all.length, 92)
  t.same(
    seen.map(plain),
    all.map(plain),
    'the live subscription delivered every fact once, as stored (data, metadata, time)'
  )
  const late = store.subscribeToAll({ from: 40n })
  const caught: StoredFact[] = []
  for await (const f of late) {
    caught.push(f)
    if (caught.length === all.length - 40) break
  }
  t.same(caught.map(plain), all.slice(40).map(plain), 'a subscription from a position in the middle too')
})
