/**
 * The event store port. Two adapters implement it (sqlite, eventstoredb) and both pass the
 * conformance suite in test/store/conformance.ts. Semantics follow EventStoreDB's gRPC API (appends,
 * reads and catch-up subscriptions as KurrentDB's client documents them: github.com/kurrent-io/
 * KurrentDB-Client-NodeJS, docs/api/) so that the embedded default behaves like production.
 */

/** `any` skips the check; `no_stream` / `stream_exists` / a revision make the append idempotent. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint

export type FactMetadata = {
  /** The request or run that everything in one causal chain shares. */
  correlationId: string
  /** The fact, delivery or request that directly caused this one. */
  causationId: string
  /** `gravityzone`, `halopsa`, `scheduler`, `relay`, or the API token's name. */
  actor: string
  /** When the relay recorded the fact (ISO 8601). */
  recordedAt: string
  [key: string]: unknown
}

/**
 * Fact data that is JSON text already (a webhook's facts, prepared off the event loop): an adapter
 * that stores JSON keeps the text as it is instead of serialising the data again. Anything else
 * that serialises it gets the parsed value (`toJSON`), so it is never stored as a wrapper.
 */
export class JsonText {
  constructor(readonly text: string) {}
  toJSON(): unknown {
    return JSON.parse(this.text)
  }
}

export type NewFact = {
  /** A UUID. Facts derived from an external delivery get a deterministic one (see domain/ids.ts). */
  id: string
  type: string
  /** JSON-serialisable data, or its JSON text (`JsonText`). */
  data: unknown
  metadata: FactMetadata
}

export type StoredFact = {
  /** Global order across all streams. */
  position: bigint
  stream: string
  /** 0-based index within the stream. */
  revision: bigint
  id: string
  type: string
  data: unknown
  metadata: FactMetadata
  /** When the store committed it. */
  recordedAt: Date
}

export type AppendResult = {
  /** Revision of the last fact now in the stream (pass it as the next expected revision). */
  nextRevision: bigint
  /** Global position of the last fact of this append. */
  position: bigint
}

export type Direction = 'forwards' | 'backwards'

export type ReadStreamOptions = {
  direction?: Direction
  /** Inclusive. Defaults to the first fact (forwards) or the last (backwards). */
  fromRevision?: bigint
  maxCount?: number
}

export type FactFilter = {
  /** Keep facts whose stream name starts with one of these. */
  streamPrefixes?: readonly string[]
  /** Keep facts of these types. */
  types?: readonly string[]
}

export type ReadAllOptions = {
  direction?: Direction
  /**
   * Forwards: facts at or after this position. Backwards: facts strictly before it.
   * Defaults to the start (forwards) or the end (backwards).
   */
  fromPosition?: bigint
  maxCount?: number
  filter?: FactFilter
}

/**
 * A bounded query over the whole store, for the audit trail: the facts after `after` that match
 * every filter given, in global order. It looks at no more than `maxScan` facts that could match
 * (an adapter may narrow them with an index first) and says how far it got, so the work of one
 * query is bounded however rare the matches are.
 */
export type FactQuery = {
  /** Exclusive. */
  after: bigint
  /** One stream, by its exact name. */
  stream?: string
  streamPrefixes?: readonly string[]
  types?: readonly string[]
  /** Facts whose data has this `mappingId` at its top level. */
  mappingId?: string
  /** When the store recorded the fact, inclusive bounds in milliseconds since the epoch. */
  recordedFrom?: number
  recordedTo?: number
  /** Most facts returned. */
  limit: number
  /** Most facts looked at. */
  maxScan: number
}

export type FactQueryResult = {
  facts: StoredFact[]
  /**
   * Every fact up to this position has been looked at (the last fact returned when `limit` was
   * reached): the next query continues after it.
   */
  scannedTo: bigint
  /** Nothing after `scannedTo` was in the store when the query ran. */
  atEnd: boolean
}

export type SubscribeOptions = {
  /** Exclusive: deliver facts strictly after this position. `start` = everything, `end` = live only. */
  from: bigint | 'start' | 'end'
  filter?: FactFilter
  /**
   * A hint: the subscriber reads the data and metadata of these fact types only. An adapter may
   * deliver other facts with their bodies loaded on first access instead (a rebuild then skips the
   * bodies nobody reads). Every fact is still delivered, and every body still readable.
   */
  bodiesFor?: readonly string[]
  /**
   * A hint: top-level fields of these fact types' data the subscriber never reads (a large payload
   * it does not fold). An adapter may leave them out of the data it delivers; one that does not
   * delivers them as usual.
   */
  unread?: Readonly<Record<string, readonly string[]>>
}

/**
 * A catch-up subscription: everything after `from` in global order, then live facts as they are
 * committed. Iterate it; the iteration throws if the subscription drops, and ends after
 * `unsubscribe()`.
 */
export type Subscription = AsyncIterable<StoredFact> & {
  unsubscribe(): Promise<void>
  /** Resolves once the catch-up phase has reached the head at least once. */
  readonly caughtUp: Promise<void>
}

/**
 * A read model's saved state (docs/architecture.md#read-model-snapshots): derived data, never a
 * fact, and never trusted over the facts. The store keeps the latest one per name; saving one is
 * atomic (a crash while saving leaves the previous one as it was).
 */
export type Snapshot = {
  /** The read model's name. */
  name: string
  /** Which projection version (and codec) wrote it: a snapshot of another version is ignored. */
  version: string
  /** The position of the last fact the state reflects. */
  position: bigint
  /** The id of the fact at `position`, to tell a store that is not the one it was taken from. */
  factId: string
  takenAt: Date
  /** The encoded state, as the snapshot machinery sealed it. */
  data: Uint8Array
  /** SHA-256 of `data`, hex. */
  checksum: string
}

export type EventStore = {
  /** Which adapter this is, for logs and metrics. */
  readonly kind: 'sqlite' | 'eventstoredb'
  append(
    stream: string,
    facts: readonly NewFact[],
    options?: { expectedRevision?: ExpectedRevision }
  ): Promise<AppendResult>
  readStream(stream: string, options?: ReadStreamOptions): Promise<StoredFact[]>
  readAll(options?: ReadAllOptions): Promise<StoredFact[]>
  findFacts(query: FactQuery): Promise<FactQueryResult>
  subscribeToAll(options: SubscribeOptions): Subscription
  /** Position of the newest fact (0n when the store is empty). */
  headPosition(): Promise<bigint>
  /** Replaces the read model's snapshot, atomically. */
  saveSnapshot(snapshot: Snapshot): Promise<void>
  /** The read model's latest snapshot, whatever its version, or undefined. */
  loadSnapshot(name: string): Promise<Snapshot | undefined>
  /** Answers quickly whether the store is usable (for /ready). */
  ping(): Promise<void>
  /** Waits for appends in flight, ends subscriptions, releases the connection. Idempotent. */
  close(): Promise<void>
}

/**
 * Streams the snapshot machinery writes with EventStoreDB: `snapshot-<name>` holds the latest
 * snapshot of a read model, `snapshotChunk-<name>` the parts of one too large for one event. They
 * are not facts: appends to them through the port are refused, and no read or subscription shows them.
 */
export const snapshotStreamPrefixes = ['snapshot-', 'snapshotChunk-'] as const
export const isSnapshotStream = (stream: string): boolean => snapshotStreamPrefixes.some((p) => stream.startsWith(p))

export const matchesFilter = (filter: FactFilter | undefined, stream: string, type: string): boolean => {
  if (!filter) return true
  if (
    filter.streamPrefixes &&
    filter.streamPrefixes.length > 0 &&
    !filter.streamPrefixes.some((p) => stream.startsWith(p))
  )
    return false
  if (filter.types && filter.types.length > 0 && !filter.types.includes(type)) return false
  return true
}
