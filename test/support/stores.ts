import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { EventStore } from '../../src/store/port.js'
import { openSqliteStore } from '../../src/store/sqlite/sqliteStore.js'
import { openEventStoreDbStore } from '../../src/store/eventstoredb/eventStoreDbStore.js'
import { startEsdbStandIn } from './esdbStandIn/index.js'

/**
 * The adapters that the domain, projection and service tests run against (a test matrix: the
 * same tests must pass whichever adapter is configured). `TEST_STORES=sqlite-file,esdb-standin`
 * narrows the list.
 */
export type StoreFactory = {
  name: string
  open(): Promise<{ store: EventStore; cleanup(): Promise<void> }>
}

export const storeFactories: StoreFactory[] = [
  {
    name: 'sqlite-memory',
    async open() {
      const store = openSqliteStore({ path: ':memory:' })
      return { store, cleanup: () => store.close() }
    }
  },
  {
    name: 'sqlite-file',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'relay-test-'))
      const store = openSqliteStore({ path: join(dir, 'relay.db') })
      return {
        store,
        async cleanup() {
          await store.close()
          rmSync(dir, { recursive: true, force: true })
        }
      }
    }
  },
  {
    // The EventStoreDB adapter over real gRPC; one stand-in server per store (it starts in a
    // few milliseconds), so every store starts empty but for the server's own system events.
    name: 'esdb-standin',
    async open() {
      const standIn = await startEsdbStandIn()
      const store = openEventStoreDbStore({ connectionString: standIn.url, resubscribe: { minMs: 10, maxMs: 200 } })
      return {
        store,
        async cleanup() {
          await store.close()
          await standIn.stop()
        }
      }
    }
  }
]

export const selectedStores = (): StoreFactory[] => {
  const wanted = process.env.TEST_STORES?.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  return wanted && wanted.length > 0 ? storeFactories.filter((f) => wanted.includes(f.name)) : storeFactories
}
