import {
  BACKWARDS,
  END,
  FORWARDS,
  START,
  type EventStoreDBClient,
  type ReadPosition,
  type ResolvedEvent
} from '@eventstore/db-client'
import type { ReadAllOptions, ReadStreamOptions, StoredFact } from '../port.js'
import { matchesFilter } from '../port.js'
import { isNotAFact, toStoreError, toStoredFact } from './convert.js'

/** Events per read call when reading $all, which we filter on our side (the 6.x client cannot filter reads). */
const PAGE = 512

type Readable = AsyncIterable<ResolvedEvent> & { cancel(): Promise<void> }

/**
 * Reads every event of a client read, stopping early when `take` says so. Leaving early cancels
 * the call: a read we stop consuming would otherwise stay open on the server.
 */
const drain = async (
  read: Readable,
  take: (event: ResolvedEvent) => boolean,
  context: { stream?: string }
): Promise<void> => {
  try {
    for await (const event of read) {
      if (!take(event)) {
        await read.cancel()
        return
      }
    }
  } catch (error) {
    throw toStoreError(error, context)
  }
}

export const createReads = (client: EventStoreDBClient) => {
  const readStream = async (stream: string, opts: ReadStreamOptions = {}): Promise<StoredFact[]> => {
    const forwards = (opts.direction ?? 'forwards') === 'forwards'
    // A count of 0 still has to tell a missing stream from an existing one.
    const wanted = Math.max(0, opts.maxCount ?? Number.MAX_SAFE_INTEGER)
    const out: StoredFact[] = []
    const read = client.readStream(stream, {
      direction: forwards ? FORWARDS : BACKWARDS,
      fromRevision: opts.fromRevision ?? (forwards ? START : END),
      maxCount: Math.max(1, wanted)
    })
    await drain(
      read,
      (event) => {
        const fact = toStoredFact(event)
        if (fact && out.length < wanted) out.push(fact)
        return true
      },
      { stream }
    )
    return out
  }

  /**
   * $all without the server's own events, filtered on our side, in pages. Positions handed to
   * the server are always positions of real events (the server refuses or misreads others), so
   * forwards paging re-reads the last event of a page and skips it.
   */
  const readAll = async (opts: ReadAllOptions = {}): Promise<StoredFact[]> => {
    const forwards = (opts.direction ?? 'forwards') === 'forwards'
    const wanted = opts.maxCount ?? Number.MAX_SAFE_INTEGER
    const out: StoredFact[] = []
    let from: ReadPosition =
      opts.fromPosition === undefined
        ? forwards
          ? START
          : END
        : { commit: opts.fromPosition, prepare: opts.fromPosition }
    let skip: bigint | undefined
    while (out.length < wanted) {
      const page = Math.min(PAGE, Math.max(32, wanted - out.length + 1))
      let seen = 0
      let last: bigint | undefined
      await drain(
        client.readAll({ fromPosition: from, direction: forwards ? FORWARDS : BACKWARDS, maxCount: page }),
        (event) => {
          seen++
          const fact = toStoredFact(event)
          if (!fact) return true
          last = fact.position
          if (
            fact.position === skip ||
            isNotAFact(fact.stream, fact.type) ||
            !matchesFilter(opts.filter, fact.stream, fact.type)
          )
            return true
          out.push(fact)
          return out.length < wanted
        },
        {}
      )
      if (seen < page || last === undefined) break
      from = { commit: last, prepare: last }
      skip = forwards ? last : undefined
    }
    return out
  }

  /** Position of the newest event of any kind (system events included), or `start` if none. */
  const lastPosition = async (): Promise<bigint | 'start'> => {
    let position: bigint | 'start' = 'start'
    await drain(
      client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 }),
      (event) => {
        if (event.event?.position) position = BigInt(event.event.position.commit)
        return true
      },
      {}
    )
    return position
  }

  /** Position of the newest fact (system events excluded), 0n when there is none. */
  const headPosition = async (): Promise<bigint> =>
    (await readAll({ direction: 'backwards', maxCount: 1 }))[0]?.position ?? 0n

  /** Position of one fact of a stream (a repeated append may come back without one). */
  const positionOf = async (stream: string, revision: bigint): Promise<bigint> => {
    const [fact] = await readStream(stream, { fromRevision: revision, maxCount: 1 })
    if (!fact || fact.revision !== revision) throw new Error(`stream ${stream} has no revision ${revision}`)
    return fact.position
  }

  return { readStream, readAll, lastPosition, headPosition, positionOf }
}
