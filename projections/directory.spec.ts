import t from 'tap'
import { directoryDecider, nextDirectoryChange, type DirectoryList } from '../src/domain/directory.js'
import type { DirectoryEntry, Fact } from '../src/domain/facts.js'
import type { StoredFact } from '../src/store/port.js'
import { directoryList, directoryProjection } from './directory.js'

// Given lists a poll read, when the directory decider compares them with what is recorded, then it
// records only what changed, a chunk at a time under the size bound, and the projection folds the
// chunks back into the same list.

const observe = (entries: DirectoryEntry[]) => ({ platform: 'halopsa' as const, kind: 'clients' as const, entries })

const record = (entries: DirectoryEntry[]) => {
  let state: DirectoryList = directoryDecider.initialState()
  let projection = directoryProjection.initialState()
  const facts: ReturnType<typeof directoryDecider.decide> = []
  for (let i = 0; i < 100; i++) {
    const decided = directoryDecider.decide({ type: 'ObserveDirectory', data: observe(entries) }, state)
    if (decided.length === 0) break
    for (const f of decided) {
      facts.push(f)
      const stored = { ...f, id: `f${facts.length}`, recordedAt: new Date(), position: BigInt(facts.length) }
      state = directoryDecider.evolve(state, stored as Fact)
      projection = directoryProjection.evolve(projection, stored as unknown as StoredFact & Fact)
    }
  }
  return { state, projection, facts }
}

t.test('a big first list is recorded in chunks under 256 KB that fold back into the whole list', async (t) => {
  const entries = Array.from({ length: 5_000 }, (_, i) => ({ id: i + 1, name: `Client ${i} ${'x'.repeat(280)}` }))
  const { state, projection, facts } = record(entries)
  t.ok(facts.length > 1)
  for (const f of facts) t.ok(JSON.stringify(f.data).length < 256 * 1024)
  t.equal(state.size, 5_000)
  t.equal(directoryList(projection, 'halopsa', 'clients').entries.size, 5_000)
  t.equal(directoryList(projection, 'halopsa', 'clients').version, facts.length)
})

t.test('only what changed is recorded: added, removed, renamed or flagged', async (t) => {
  const { state } = record([
    { id: 1, name: 'Acme' },
    { id: 2, name: 'Birchwood' },
    { id: 3, name: 'Cobalt' }
  ])
  t.equal(nextDirectoryChange(state, observe([...state.values()])), null, 'the same list changes nothing')
  t.same(
    nextDirectoryChange(
      state,
      observe([
        { id: 1, name: 'Acme North' },
        { id: 3, name: 'Cobalt', inactive: true },
        { id: 4, name: 'Dunmore' },
        { id: 4, name: 'Dunmore (twice in the list)' }
      ])
    ),
    {
      platform: 'halopsa',
      kind: 'clients',
      added: [{ id: 4, name: 'Dunmore' }],
      removed: [2],
      changed: [
        { id: 1, name: 'Acme North' },
        { id: 3, name: 'Cobalt', inactive: true }
      ]
    }
  )
  t.equal(
    nextDirectoryChange(state, observe([{ id: 1, name: 'y'.repeat(1000) }]))?.changed[0]?.name.length,
    300,
    'a long name is cut'
  )
})
