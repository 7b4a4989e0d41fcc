import { EventStoreDBClient, jsonEvent, type JSONType } from '@eventstore/db-client'
import {
  JsonText,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewFact,
  type Subscription
} from '../port.js'
import { InvalidAppend, StoreClosed } from '../errors.js'
import { validateAppend } from '../validateAppend.js'
import { StoreUnavailable, toStoreError } from './convert.js'
import { createReads } from './reads.js'
import { createFactQueries } from './factQuery.js'
import { esdbSubscription, type ResubscribeOptions } from './subscription.js'
import { esdbSnapshots } from './snapshots.js'

export { StoreUnavailable } from './convert.js'

export type EventStoreDbStoreOptions = {
  /** `esdb://host:2113?tls=false`, `esdb://a:2113,b:2113,c:2113?tls=false`, `esdb+discover://…` */
  connectionString: string
  /** Backoff for subscriptions after a dropped connection. */
  resubscribe?: Partial<ResubscribeOptions>
  /** How long ping() waits for the server. Default 2 s. */
  pingTimeoutMs?: number
}

/** The client's parse errors quote the whole string, which may hold a password. */
const connect = (connectionString: string): EventStoreDBClient => {
  try {
    return EventStoreDBClient.connectionString(connectionString)
  } catch (error) {
    const reason =
      error instanceof Error
        ? error.message.split('\n')[0]!.replace(connectionString, '<connection string>')
        : 'unreadable'
    throw new Error(
      `EVENT_STORE_URL is not a valid EventStoreDB connection string (${reason.replace(/\/\/[^@/]*@/, '//…@')})`
    )
  }
}

/**
 * The client rebuilds its connection after a drop but fails the call that noticed it, without
 * replaying it (https://github.com/kurrent-io/KurrentDB-Client-NodeJS/pull/177). Reads, and
 * appends the server deduplicates (the same event ids with an expected revision, not `any`), are
 * safe to send again, so they get two more tries.
 */
const RETRY_DELAYS_MS = [25, 150]
const retrying = async <T>(operation: () => Promise<T>, retriable: boolean): Promise<T> => {
  for (let attempt = 0; ; attempt++) {
    try {
      return await operation()
    } catch (error) {
      const delay = RETRY_DELAYS_MS[attempt]
      if (!retriable || delay === undefined || !(error instanceof StoreUnavailable)) throw error
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
  }
}

const toEvent = (fact: NewFact) => {
  // Serialise once up front so unserialisable data (a bigint, a cycle) fails here, as with SQLite,
  // rather than inside the client's write loop. JSON text is handed over as the value it holds.
  const data = fact.data instanceof JsonText ? (JSON.parse(fact.data.text) as unknown) : fact.data
  if (JSON.stringify(data) === undefined) throw new InvalidAppend(`fact ${fact.id} has data that is not JSON`)
  return jsonEvent({ id: fact.id, type: fact.type, data: data as JSONType, metadata: fact.metadata })
}

/**
 * The EventStore port on EventStoreDB / KurrentDB through @eventstore/db-client 6.2.1, with the
 * SQLite adapter's semantics (test/store/conformance.ts holds both to them). The connection is
 * made lazily by the client on first use.
 */
export const openEventStoreDbStore = (options: EventStoreDbStoreOptions): EventStore => {
  const client = connect(options.connectionString)
  const reads = createReads(client)
  const snapshots = esdbSnapshots({ client, reads, retrying })
  const findFacts = createFactQueries(client, reads.headPosition)
  const resubscribe: ResubscribeOptions = { minMs: 100, maxMs: 5_000, attempts: 10, ...options.resubscribe }
  const pingTimeoutMs = options.pingTimeoutMs ?? 2_000
  const inFlight = new Set<Promise<unknown>>()
  const subscriptions = new Set<Subscription>()
  let closed = false
  let closing: Promise<void> | undefined

  /** Runs one operation, refused once closing has begun, and remembered until it settles. */
  const track = <T>(work: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new StoreClosed())
    const running = work()
    const settled = running.then(
      () => undefined,
      () => undefined
    )
    inFlight.add(settled)
    void settled.then(() => inFlight.delete(settled))
    return running
  }

  const append = async (
    stream: string,
    facts: readonly NewFact[],
    expected: ExpectedRevision
  ): Promise<AppendResult> => {
    const events = validateAppend(stream, facts).map(toEvent)
    const result = await retrying(
      () =>
        client.appendToStream(stream, events, { expectedRevision: expected }).catch((error: unknown) => {
          throw toStoreError(error, { stream, expected })
        }),
      expected !== 'any'
    )
    const nextRevision = BigInt(result.nextExpectedRevision)
    // Servers answer an idempotent repeat without a position (or, in newer versions, with one).
    const position = result.position ? BigInt(result.position.commit) : await reads.positionOf(stream, nextRevision)
    return { nextRevision, position }
  }

  return {
    kind: 'eventstoredb',

    append: (stream, facts, opts) => track(() => append(stream, facts, opts?.expectedRevision ?? 'any')),
    readStream: (stream, opts) => track(() => retrying(() => reads.readStream(stream, opts), true)),
    readAll: (opts) => track(() => retrying(() => reads.readAll(opts), true)),
    findFacts: (query) => track(() => retrying(() => findFacts(query), true)),
    headPosition: () => track(() => retrying(() => reads.headPosition(), true)),
    saveSnapshot: (snapshot) => track(() => snapshots.save(snapshot)),
    loadSnapshot: (name) => track(() => snapshots.load(name)),

    subscribeToAll(opts): Subscription {
      if (closed) throw new StoreClosed()
      // `end` means after the last event now: resolved at once, so facts appended before the
      // first iteration are not skipped, and a drop before the first live fact loses nothing.
      const origin =
        opts.from === 'end'
          ? reads.lastPosition()
          : Promise.resolve(opts.from === 'start' ? ('start' as const) : opts.from)
      const subscription = esdbSubscription({
        client,
        origin,
        filter: opts.filter,
        resubscribe,
        onEnd: () => subscriptions.delete(subscription)
      })
      subscriptions.add(subscription)
      return subscription
    },

    ping: () =>
      track(async () => {
        let timer: NodeJS.Timeout | undefined
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new StoreUnavailable(`no answer within ${pingTimeoutMs} ms`)), pingTimeoutMs)
        })
        try {
          await Promise.race([reads.lastPosition(), timeout])
        } finally {
          clearTimeout(timer)
        }
      }),

    close(): Promise<void> {
      if (closing) return closing
      closed = true
      closing = (async () => {
        while (inFlight.size > 0) await Promise.all([...inFlight])
        await Promise.all([...subscriptions].map((s) => s.unsubscribe()))
        await client.dispose()
      })()
      return closing
    }
  }
}
