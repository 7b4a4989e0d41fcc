import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqliteStore } from '../../src/store/sqlite/sqliteStore.js'
import { storeConformance } from './conformance.js'

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
