import { setImmediate as nextTurn } from 'node:timers/promises'
import type { EventStore, FactQuery, FactQueryResult, StoredFact, Subscription } from '../store/port.js'
import { DomainError } from '../domain/errors.js'
import { parseIsoTime } from '../domain/isoTime.js'

/**
 * The audit trail: every fact in global order, filtered, paged by position. `stream` is an exact
 * stream name, or a category (`mapping`, `gzDelivery`, …) when it has no dash.
 *
 * The store filters (EventStore.findFacts) and bounds the work of each read: a page looks at no
 * more than PAGE_SCAN facts, so a filter that matches little on a big store answers at once with
 * what it found and a cursor to continue from, instead of reading the whole store in one request.
 */

export type AuditFilter = {
  stream?: string
  type?: string
  mappingId?: string
  /** ISO timestamps on the recorded time, inclusive. */
  from?: string
  to?: string
  /** Position cursor, exclusive. */
  after?: string
}

/**
 * Most facts one store read looks at: a bounded stretch of synchronous SQLite work (a few
 * milliseconds, tens when the pages are not cached), with a turn of the event loop between reads.
 */
export const SCAN_CHUNK = 2_000
/** Most facts one page request looks at, over several reads. */
export const PAGE_SCAN = 20_000
/** Facts per chunk of an export. */
export const EXPORT_CHUNK = 100

/** The largest position any store of the relay uses (SQLite's rowid and EventStoreDB's are signed 64-bit). */
const MAX_POSITION = 2n ** 63n - 1n

const parseTime = (value: string | undefined, name: string): number | undefined => {
  if (value === undefined) return undefined
  const ms = parseIsoTime(value)
  if (ms === undefined)
    throw new DomainError('invalid_request', `${name} must be an ISO 8601 date or time, e.g. 2024-02-29T10:00:00Z`)
  return ms
}

type Query = Omit<FactQuery, 'after' | 'limit' | 'maxScan'>

/** The store query for a filter (without where it starts and how much it takes). */
const queryOf = (filter: AuditFilter): Query => {
  const recordedFrom = parseTime(filter.from, 'from')
  const recordedTo = parseTime(filter.to, 'to')
  const types = filter.type
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean)
  return {
    ...(filter.stream !== undefined
      ? filter.stream.includes('-')
        ? { stream: filter.stream }
        : { streamPrefixes: [`${filter.stream}-`] }
      : {}),
    ...(types && types.length > 0 ? { types } : {}),
    ...(filter.mappingId !== undefined ? { mappingId: filter.mappingId } : {}),
    ...(recordedFrom !== undefined ? { recordedFrom } : {}),
    ...(recordedTo !== undefined ? { recordedTo } : {})
  }
}

/** The checks a live subscription's store filter cannot do. */
const matcher = (filter: AuditFilter) => {
  const q = queryOf(filter)
  return (fact: StoredFact): boolean => {
    if (q.stream !== undefined && fact.stream !== q.stream) return false
    const at = fact.recordedAt.getTime()
    if (q.recordedFrom !== undefined && at < q.recordedFrom) return false
    if (q.recordedTo !== undefined && at > q.recordedTo) return false
    if (q.mappingId !== undefined && (fact.data as { mappingId?: unknown } | null)?.mappingId !== q.mappingId)
      return false
    return true
  }
}

export const createAuditService = (deps: { store: EventStore; pageScan?: number; scanChunk?: number }) => {
  const pageScan = deps.pageScan ?? PAGE_SCAN
  const scanChunk = Math.min(deps.scanChunk ?? SCAN_CHUNK, pageScan)

  /**
   * A position from a client (a cursor, `after`, `Last-Event-ID`): a decimal no later than the
   * store's newest fact. Anything else is refused, so no read starts past the end of the store.
   */
  const position = async (value: string | undefined, what = 'after'): Promise<bigint> => {
    if (value === undefined) return 0n
    if (!/^\d{1,20}$/.test(value) || BigInt(value) > MAX_POSITION)
      throw new DomainError('invalid_position', `${what} must be a position (a decimal string) from this API`)
    const p = BigInt(value)
    const head = p === 0n ? 0n : await deps.store.headPosition()
    if (p > head)
      throw new DomainError('invalid_position', `${what} ${p} is beyond the newest fact (position ${head})`, {
        head: head.toString()
      })
    return p
  }

  /**
   * Up to `limit` matches after `after`, looking at no more than `budget` facts, read by chunks
   * with a turn of the event loop between them.
   */
  const scan = async (query: Query, after: bigint, limit: number, budget: number): Promise<FactQueryResult> => {
    const facts: StoredFact[] = []
    let cursor = after
    for (let looked = 0; ;) {
      const maxScan = Math.min(scanChunk, budget - looked)
      const found = await deps.store.findFacts({ ...query, after: cursor, limit: limit - facts.length, maxScan })
      facts.push(...found.facts)
      looked += maxScan
      if (facts.length >= limit || found.atEnd || looked >= budget)
        return { facts, scannedTo: found.scannedTo, atEnd: found.atEnd }
      cursor = found.scannedTo
      await nextTurn()
    }
  }

  return {
    position,

    async page(filter: AuditFilter, limit: number): Promise<{ items: StoredFact[]; nextCursor: string | null }> {
      const query = queryOf(filter)
      const found = await scan(query, await position(filter.after), limit + 1, pageScan)
      if (found.facts.length > limit) {
        const items = found.facts.slice(0, limit)
        return { items, nextCursor: items[limit - 1]!.position.toString() }
      }
      // Not a full page: either the end, or as far as this request may look (continue from there).
      return { items: found.facts, nextCursor: found.atEnd ? null : found.scannedTo.toString() }
    },

    /**
     * Every match, for the NDJSON export, a chunk at a time, with a turn of the event loop between
     * chunks. The filter and the start are checked when it is created, so a bad one is refused
     * before anything is sent.
     */
    async export(filter: AuditFilter): Promise<AsyncGenerator<StoredFact[]>> {
      const query = queryOf(filter)
      let after = await position(filter.after)
      async function* chunks(): AsyncGenerator<StoredFact[]> {
        for (;;) {
          const found = await scan(query, after, EXPORT_CHUNK, scanChunk)
          if (found.facts.length > 0) yield found.facts
          if (found.atEnd) return
          after = found.scannedTo
          await nextTurn()
        }
      }
      return chunks()
    },

    /** New facts as they are committed (after `after` when given, so a client can resume). */
    async live(
      filter: AuditFilter,
      lastEventId: string | undefined
    ): Promise<{ subscription: Subscription; matches(fact: StoredFact): boolean }> {
      const matches = matcher(filter)
      const from = lastEventId !== undefined ? await position(lastEventId, 'Last-Event-ID') : 'end'
      const subscription = deps.store.subscribeToAll({ from, filter: subscriptionFilter(queryOf(filter)) })
      return { subscription, matches }
    }
  }
}

const subscriptionFilter = (q: Query) => ({
  ...(q.stream !== undefined
    ? { streamPrefixes: [q.stream] }
    : q.streamPrefixes
      ? { streamPrefixes: q.streamPrefixes }
      : {}),
  ...(q.types ? { types: q.types } : {})
})

export type AuditService = ReturnType<typeof createAuditService>
