/**
 * The stand-in's transaction log, in memory: what the real server would answer for appends and
 * reads, by the server's rules (docs/testing.md#the-eventstoredb-stand-in) and its idempotency
 * check (same event ids at the expected place → success with the original result; a partial match →
 * wrong expected version).
 */

export type LogRecord = {
  stream: string
  revision: bigint
  /**
   * Commit and prepare position. Equal, as the real server reports them for events written by
   * gRPC appends, and gapped like the byte offsets they are (never 1, 2, 3).
   */
  position: bigint
  /** Lower-case UUID. */
  id: string
  type: string
  contentType: string
  data: Uint8Array
  customMetadata: Uint8Array
  /** .NET ticks (100 ns) since the Unix epoch, as the server's `created` metadata. */
  created: bigint
}

export type Expected =
  { kind: 'any' } | { kind: 'no_stream' } | { kind: 'stream_exists' } | { kind: 'revision'; revision: bigint }

export type Proposed = Pick<LogRecord, 'id' | 'type' | 'contentType' | 'data' | 'customMetadata'>

export type AppendOutcome =
  { ok: true; revision: bigint; position: bigint; repeat?: boolean } | { ok: false; current: bigint | 'no_stream' }

export type StandInLogOptions = {
  /** Position of the first record. Past 2^53 by default, so a Number() anywhere loses precision and shows. */
  firstPosition?: bigint
  /** Milliseconds since the epoch for `created`. */
  now?: () => number
  /** After every this many appends, a `$statistics-collected` system event lands in $all. 0 turns it off. */
  systemEventEvery?: number
}

const encoder = new TextEncoder()
const json = (value: unknown) => encoder.encode(JSON.stringify(value))
const NODE = '127.0.0.1:2113'

/** What a fresh real node has in $all before anyone writes (a few of them), plus a link event. */
const systemSeed = (): { stream: string; record: Omit<Proposed, 'id'> }[] => [
  {
    stream: `$$$stats-${NODE}`,
    record: {
      type: '$metadata',
      contentType: 'application/json',
      data: json({ $maxAge: 86400 }),
      customMetadata: new Uint8Array()
    }
  },
  {
    stream: '$users',
    record: {
      type: '$UserCreated',
      contentType: 'application/json',
      data: json({ loginName: 'admin' }),
      customMetadata: new Uint8Array()
    }
  },
  {
    stream: '$user-admin',
    record: {
      type: '$User',
      contentType: 'application/json',
      data: json({ loginName: 'admin', fullName: 'Event Store Administrator' }),
      customMetadata: new Uint8Array()
    }
  },
  // A system stream whose event type has no `$`: excluding by type alone is not enough.
  {
    stream: '$persistentSubscriptionConfig',
    record: {
      type: 'PersistentConfig1',
      contentType: 'application/json',
      data: json({ entries: [] }),
      customMetadata: new Uint8Array()
    }
  },
  // A link written by a projection into an ordinary stream: a `$` type outside a `$` stream.
  {
    stream: 'standinLinks-1',
    record: {
      type: '$>',
      contentType: 'application/octet-stream',
      data: encoder.encode('0@standinLinks-0'),
      customMetadata: new Uint8Array()
    }
  },
  {
    stream: `$stats-${NODE}`,
    record: {
      type: '$statistics-collected',
      contentType: 'application/json',
      data: json({ 'proc-cpu': 1.5 }),
      customMetadata: new Uint8Array()
    }
  }
]

export const createStandInLog = (options: StandInLogOptions = {}) => {
  const firstPosition = options.firstPosition ?? 2n ** 53n + 4_096n
  const now = options.now ?? Date.now
  const every = options.systemEventEvery ?? 5
  let records: LogRecord[] = []
  let streams = new Map<string, LogRecord[]>()
  let appends = 0
  let systemIds = 0
  const listeners = new Set<() => void>()

  const nextPosition = (stream: string, p: Proposed): bigint => {
    const last = records.at(-1)
    if (!last) return firstPosition
    // Roughly a prepare record's size on disk: the next record starts after this one.
    const size = 88 + last.stream.length + last.type.length + last.data.length + last.customMetadata.length
    return last.position + BigInt(size + ((stream.length + p.type.length) % 7) * 8)
  }

  const write = (stream: string, proposed: readonly Proposed[]): { revision: bigint; position: bigint } => {
    let events = streams.get(stream)
    if (!events) streams.set(stream, (events = []))
    const created = BigInt(now()) * 10_000n
    for (const p of proposed) {
      const record: LogRecord = {
        ...p,
        id: p.id.toLowerCase(),
        stream,
        revision: BigInt(events.length),
        position: nextPosition(stream, p),
        created
      }
      records.push(record)
      events.push(record)
    }
    const last = events.at(-1)!
    return { revision: last.revision, position: last.position }
  }

  const systemId = () => `00000000-0000-4000-8000-${(++systemIds).toString(16).padStart(12, '0')}`
  const seed = () => {
    for (const { stream, record } of systemSeed()) write(stream, [{ ...record, id: systemId() }])
  }

  /** The ids match the events from `start` on: the original result; otherwise a conflict. */
  const idempotent = (events: LogRecord[], start: bigint, proposed: readonly Proposed[]): AppendOutcome => {
    const current = BigInt(events.length - 1)
    for (let i = 0; i < proposed.length; i++) {
      const at = events[Number(start) + i]
      if (!at || at.id !== proposed[i]!.id.toLowerCase()) return { ok: false, current }
    }
    const last = events[Number(start) + proposed.length - 1]!
    return { ok: true, revision: last.revision, position: last.position, repeat: true }
  }

  const append = (stream: string, expected: Expected, proposed: readonly Proposed[]): AppendOutcome => {
    const events = streams.get(stream)
    const current = events && events.length > 0 ? BigInt(events.length - 1) : undefined
    const firstId = proposed[0]?.id.toLowerCase()
    let outcome: AppendOutcome | undefined
    if (expected.kind === 'revision' || expected.kind === 'no_stream') {
      const want = expected.kind === 'revision' ? expected.revision : -1n
      if (want === (current ?? -1n)) outcome = undefined
      else if (events && current !== undefined && want < current) outcome = idempotent(events, want + 1n, proposed)
      else outcome = { ok: false, current: current ?? 'no_stream' }
    } else if (expected.kind === 'stream_exists' && current === undefined) {
      outcome = { ok: false, current: 'no_stream' }
    } else if (events && firstId !== undefined) {
      // any / stream_exists: the server looks the first id up among recent writes to the stream.
      const found = events.find((e) => e.id === firstId)
      if (found) outcome = idempotent(events, found.revision, proposed)
    }
    if (outcome) return outcome
    if (proposed.length === 0)
      return current === undefined
        ? { ok: true, revision: -1n, position: -1n }
        : { ok: true, revision: current, position: -1n }
    const written = write(stream, proposed)
    if (every > 0 && ++appends % every === 0) {
      write(`$stats-${NODE}`, [
        {
          id: systemId(),
          type: '$statistics-collected',
          contentType: 'application/json',
          data: json({ appends }),
          customMetadata: new Uint8Array()
        }
      ])
    }
    for (const listener of listeners) listener()
    return { ok: true, ...written }
  }

  /** Index of the first record at or after `position` (binary search: positions only grow). */
  const indexAtOrAfter = (position: bigint): number => {
    let lo = 0
    let hi = records.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (records[mid]!.position < position) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  seed()
  return {
    append,
    indexAtOrAfter,
    /** Every record in position order (the live array: it only grows until reset). */
    records: () => records,
    stream: (name: string): readonly LogRecord[] | undefined => streams.get(name),
    /** Called after every successful append that wrote something. */
    onAppend(listener: () => void): () => void {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    /** Back to a fresh node: only the system events. */
    reset(): void {
      records = []
      streams = new Map()
      appends = 0
      systemIds = 0
      seed()
    }
  }
}

export type StandInLog = ReturnType<typeof createStandInLog>
