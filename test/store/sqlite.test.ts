import t from 'tap'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqliteStore } from '../../src/store/sqlite/sqliteStore.js'
import { storeConformance } from './conformance.js'
import { fact, waitFor } from '../support/storeFacts.js'

t.test('sqlite store on a file', async (t) => {
  storeConformance(t, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-store-'))
    return {
      store: openSqliteStore({ path: join(dir, 'relay.db') }),
      cleanup: () => rmSync(dir, { recursive: true, force: true })
    }
  })
})

t.test('sqlite store in memory', async (t) => {
  storeConformance(t, async () => ({ store: openSqliteStore({ path: ':memory:' }) }))
})

t.test('sqlite store with one transaction per append', async (t) => {
  storeConformance(t, async () => ({ store: openSqliteStore({ path: ':memory:', groupCommit: false }) }))
})

t.test('a file store copies its WAL back into the database file on a thread of its own', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-checkpoint-'))
  const path = join(dir, 'relay.db')
  const store = openSqliteStore({ path })
  t.teardown(async () => {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  })
  const before = statSync(path).size
  // Far below the writer's own automatic checkpoint (10,000 pages): only the thread copies these.
  for (let i = 0; i < 20; i++)
    await store.append(
      `checkpoint-${i}`,
      Array.from({ length: 20 }, () => fact('MappingCreated', { filler: 'x'.repeat(500) })),
      { expectedRevision: 'no_stream' }
    )
  await waitFor(() => statSync(path).size > before + 100_000, { what: 'the database file to receive the WAL pages' })
  t.ok(statSync(path).size > before + 100_000)
  t.equal((await store.readAll({ maxCount: 1000 })).length, 400, 'every fact still reads back')
})
