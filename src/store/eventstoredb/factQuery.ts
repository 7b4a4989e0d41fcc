import { FORWARDS, START, type EventStoreDBClient, type ReadPosition } from '@eventstore/db-client'
import type { FactQuery, FactQueryResult, StoredFact } from '../port.js'
import { matchesFilter } from '../port.js'
import { isStreamNotFound } from '../errors.js'
import { isSystemEvent, toStoreError, toStoredFact } from './convert.js'

/**
 * The audit trail's bounded query (EventStore.findFacts) on EventStoreDB. The 6.x client filters
 * only subscriptions on the server, not reads, so one stream is read on its own (the server picks
 * the stream), and anything else is read from $all page by page and filtered here, looking at no
 * more than `maxScan` events; each page is a call of its own, so the event loop is free between.
 */

const PAGE = 512

/** The conditions a fact must meet (the same as the SQLite adapter's SQL). */
export const matchesQuery = (q: FactQuery, fact: StoredFact): boolean => {
  if (q.stream !== undefined && fact.stream !== q.stream) return false
  if (!matchesFilter(q, fact.stream, fact.type)) return false
  if (q.mappingId !== undefined) {
    const data = fact.data as { mappingId?: unknown } | null
    if (data === null || typeof data !== 'object' || data.mappingId !== q.mappingId) return false
  }
  const at = fact.recordedAt.getTime()
  if (q.recordedFrom !== undefined && at < q.recordedFrom) return false
  if (q.recordedTo !== undefined && at > q.recordedTo) return false
  return true
}

type Read = AsyncIterable<Parameters<typeof toStoredFact>[0]> & { cancel(): Promise<void> }

export const createFactQueries = (client: EventStoreDBClient, headPosition: () => Promise<bigint>) => {
  /** Looks at events in order until `take` says stop; cancels the call when it stops early. */
  const drain = async (
    read: Read,
    take: (fact: StoredFact | undefined, position: bigint | undefined) => boolean,
    context: { stream?: string } = {}
  ) => {
    try {
      for await (const resolved of read) {
        const fact = toStoredFact(resolved)
        const position = resolved.event?.position ? BigInt(resolved.event.position.commit) : undefined
        if (!take(fact, position)) {
          await read.cancel()
          return
        }
      }
    } catch (error) {
      throw toStoreError(error, context)
    }
  }

  const inStream = async (q: FactQuery, head: bigint): Promise<FactQueryResult> => {
    const facts: StoredFact[] = []
    let looked = 0
    let scannedTo = q.after
    let stopped = false
    const read = client.readStream(q.stream!, { direction: FORWARDS, fromRevision: START })
    await drain(
      read,
      (fact) => {
        if (!fact || fact.position <= q.after) return true
        looked++
        scannedTo = fact.position
        if (matchesQuery(q, fact)) facts.push(fact)
        stopped = facts.length >= q.limit || looked >= q.maxScan
        return !stopped
      },
      { stream: q.stream! }
    ).catch((error: unknown) => {
      // A stream that does not exist has no facts.
      if (!isStreamNotFound(error)) throw error
    })
    if (!stopped && head > scannedTo) scannedTo = head
    return { facts, scannedTo, atEnd: !stopped }
  }

  const inAll = async (q: FactQuery, head: bigint): Promise<FactQueryResult> => {
    const facts: StoredFact[] = []
    let looked = 0
    let lastFact = q.after
    let lastEvent = q.after
    let from: ReadPosition = q.after === 0n ? START : { commit: q.after, prepare: q.after }
    for (;;) {
      const page = Math.min(PAGE, q.maxScan - looked + 1)
      let seen = 0
      let full = false
      await drain(client.readAll({ fromPosition: from, direction: FORWARDS, maxCount: page }), (fact, position) => {
        seen++
        // Positions handed to the server are those of real events: reading from one includes it.
        if (position === undefined || position <= q.after || position <= lastEvent) return true
        lastEvent = position
        looked++
        if (fact && !isSystemEvent(fact.stream, fact.type)) {
          lastFact = fact.position
          if (matchesQuery(q, fact)) facts.push(fact)
        }
        full = facts.length >= q.limit || looked >= q.maxScan
        return !full
      })
      if (full) break
      if (seen < page) {
        // The end of $all: everything up to the newest fact has been looked at.
        return { facts, scannedTo: head > lastFact ? head : lastFact, atEnd: true }
      }
      from = { commit: lastEvent, prepare: lastEvent }
    }
    // Stopped early; a cursor never points past the newest fact (the server's own events may
    // follow it), and one that has to stay put there has reached the end.
    const newest = head > lastFact ? head : lastFact
    if (facts.length >= q.limit) return { facts, scannedTo: facts[facts.length - 1]!.position, atEnd: false }
    return lastEvent > newest
      ? { facts, scannedTo: newest, atEnd: true }
      : { facts, scannedTo: lastEvent, atEnd: false }
  }

  return async (q: FactQuery): Promise<FactQueryResult> => {
    const head = await headPosition()
    return q.stream !== undefined ? inStream(q, head) : inAll(q, head)
  }
}
