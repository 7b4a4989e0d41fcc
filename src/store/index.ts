import type { EventStore } from './port.js'
import { openSqliteStore } from './sqlite/sqliteStore.js'
import { sqliteOptions } from './url.js'

export type {
  EventStore,
  NewFact,
  StoredFact,
  ExpectedRevision,
  FactFilter,
  FactMetadata,
  Subscription,
  AppendResult
} from './port.js'
export { JsonText } from './port.js'
export * from './errors.js'

/**
 * Opens the store named by EVENT_STORE_URL: `sqlite:<path>`, `sqlite::memory:`, or
 * `esdb://host:2113?tls=false` (also `esdb+discover://`, and several comma-separated hosts).
 */
/** `besideRelay`: for read-only tools run next to a relay on the same SQLite file (sqliteStore.ts). */
export const openEventStore = async (url: string, options: { besideRelay?: boolean } = {}): Promise<EventStore> => {
  if (url.startsWith('sqlite:')) return openSqliteStore({ ...sqliteOptions(url), ...options })
  if (url.startsWith('esdb://') || url.startsWith('esdb+discover://')) {
    // Loaded on demand: the gRPC client is only needed in production deployments.
    const { openEventStoreDbStore } = await import('./eventstoredb/eventStoreDbStore.js')
    return openEventStoreDbStore({ connectionString: url })
  }
  throw new Error(`EVENT_STORE_URL must start with sqlite: or esdb:// (got ${describeUrl(url)})`)
}

/** Names the scheme of a URL without echoing credentials that may be embedded in it. */
export const describeUrl = (url: string): string => {
  const scheme = /^[a-z+]+:/i.exec(url)?.[0]
  return scheme ? `${scheme}…` : 'an unrecognised value'
}
