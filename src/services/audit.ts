import type { EventStore, FactFilter, StoredFact, Subscription } from '../store/port.js'
import { DomainError } from '../domain/errors.js'
import { isStreamNotFound } from '../store/errors.js'

/**
 * The audit trail: every fact in global order, filtered, paged by position. `stream` is an exact
 * stream name (read from that stream alone), or a category (`mapping`, `gzDelivery`, …) when it
 * has no dash. `before` bounds a scan from above, so "the facts just before this one" costs the
 * facts in between, not the rest of the store.
 */

type AuditFilter = {
  stream?: string
  type?: string
  mappingId?: string
  /** ISO timestamps on the recorded time, inclusive. */
  from?: string
  to?: string
  /** Position cursor, exclusive. */
  after?: string
  /** Upper position bound, exclusive: the scan stops there. */
  before?: string
  /** Fact types left out (comma-separated), e.g. the dashboard's system facts. */
  excludeType?: string
}

const BATCH = 500

const storeFilter = (filter: AuditFilter): FactFilter => ({
  ...(filter.stream !== undefined
    ? { streamPrefixes: [filter.stream.includes('-') ? filter.stream : `${filter.stream}-`] }
    : {}),
  ...(filter.type !== undefined
    ? {
        types: filter.type
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
      }
    : {})
})

const parsePosition = (value: string | undefined, name = 'after'): bigint => {
  if (value === undefined) return 0n
  if (!/^\d{1,30}$/.test(value))
    throw new DomainError('invalid_cursor', `${name} must be a position (a decimal string) from this API`)
  return BigInt(value)
}

const typeList = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)

const parseTime = (value: string | undefined, name: string): number | undefined => {
  if (value === undefined) return undefined
  const ms = Date.parse(value)
  if (Number.isNaN(ms)) throw new DomainError('invalid_cursor', `${name} must be an ISO 8601 time`)
  return ms
}

/** The checks a store filter cannot do. */
const matcher = (filter: AuditFilter) => {
  const from = parseTime(filter.from, 'from')
  const to = parseTime(filter.to, 'to')
  const exactStream = filter.stream?.includes('-') ? filter.stream : undefined
  const types = typeList(filter.type)
  const excluded = new Set(typeList(filter.excludeType))
  return (fact: StoredFact): boolean => {
    if (exactStream !== undefined && fact.stream !== exactStream) return false
    if (types.length > 0 && !types.includes(fact.type)) return false
    if (excluded.has(fact.type)) return false
    const at = fact.recordedAt.getTime()
    if (from !== undefined && at < from) return false
    if (to !== undefined && at > to) return false
    if (filter.mappingId !== undefined && (fact.data as { mappingId?: unknown } | null)?.mappingId !== filter.mappingId)
      return false
    return true
  }
}

export const createAuditService = (deps: { store: EventStore }) => {
  /** One stream's facts after `after`, batch by batch (a stream is read by its own index). */
  async function* streamFacts(stream: string, after: bigint): AsyncGenerator<StoredFact[]> {
    let revision = 0n
    for (;;) {
      let batch: StoredFact[]
      try {
        batch = await deps.store.readStream(stream, { fromRevision: revision, maxCount: BATCH })
      } catch (error) {
        if (isStreamNotFound(error)) return
        throw error
      }
      yield batch.filter((f) => f.position > after)
      if (batch.length < BATCH) return
      revision = batch.at(-1)!.revision + 1n
    }
  }

  /** Facts in global order after `after`, batch by batch. */
  async function* allFacts(filter: AuditFilter, after: bigint): AsyncGenerator<StoredFact[]> {
    const sf = storeFilter(filter)
    let cursor = after
    for (;;) {
      const batch = await deps.store.readAll({ fromPosition: cursor + 1n, maxCount: BATCH, filter: sf })
      yield batch
      if (batch.length < BATCH) return
      cursor = batch.at(-1)!.position
    }
  }

  /** Facts after the cursor that match, in order, up to `limit` (undefined = all), batch by batch. */
  async function* scan(filter: AuditFilter, limit?: number): AsyncGenerator<StoredFact> {
    const matches = matcher(filter)
    const after = parsePosition(filter.after)
    const before = filter.before !== undefined ? parsePosition(filter.before, 'before') : undefined
    const batches = filter.stream?.includes('-') === true ? streamFacts(filter.stream, after) : allFacts(filter, after)
    let yielded = 0
    for await (const batch of batches) {
      for (const fact of batch) {
        if (before !== undefined && fact.position >= before) return
        if (!matches(fact)) continue
        yield fact
        if (limit !== undefined && ++yielded >= limit) return
      }
    }
  }

  return {
    async page(filter: AuditFilter, limit: number): Promise<{ items: StoredFact[]; nextCursor: string | null }> {
      const items: StoredFact[] = []
      for await (const fact of scan(filter, limit + 1)) items.push(fact)
      const more = items.length > limit
      const page = items.slice(0, limit)
      return { items: page, nextCursor: more ? page.at(-1)!.position.toString() : null }
    },

    /** Every match, for NDJSON export; the caller writes as it reads (backpressure per batch). */
    all: (filter: AuditFilter) => scan(filter),

    /** New facts as they are committed (after `after` when given, so a client can resume). */
    live(filter: AuditFilter): { subscription: Subscription; matches(fact: StoredFact): boolean } {
      const position = filter.after !== undefined ? parsePosition(filter.after) : undefined
      const subscription = deps.store.subscribeToAll({ from: position ?? 'end', filter: storeFilter(filter) })
      return { subscription, matches: matcher(filter) }
    }
  }
}
