import Database from 'better-sqlite3'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import {
  JsonText,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type FactFilter,
  type FactQuery,
  type FactQueryResult,
  type NewFact,
  type ReadAllOptions,
  type ReadStreamOptions,
  type Snapshot,
  type StoredFact,
  type SubscribeOptions,
  type Subscription
} from '../port.js'
import { StoreClosed, StreamNotFound, isStoreError } from '../errors.js'
import { validateAppend } from '../validateAppend.js'
import { configureWriter, migrate } from './schema.js'
import { createCommitter, type CommittedAppend } from './groupCommit.js'
import { recentFacts } from './recentFacts.js'
import { createCommitSignal, sqliteSubscription } from './subscription.js'
import { FACT_COLUMNS, SqliteFact, type BodyLoader, type FactRow } from './sqliteFact.js'
import { sqliteSnapshots } from './snapshots.js'
import { createFactQueries } from './factQuery.js'
import { isDamage, unusableStore } from './unusable.js'
import { lockStoreFile, type InstanceLock } from './instanceLock.js'

export type SqliteStoreOptions = {
  /** A file path, or `:memory:`. */
  path: string
  /** Share one transaction (one fsync) between concurrent appends. Default true. */
  groupCommit?: boolean
  /** Most appends in one transaction. Default 1024. */
  maxGroup?: number
  /**
   * Opened beside a running relay by a tool that only reads (the CLI's export and rebuild): takes
   * no instance lock, so it can run while the relay holds it. Such a tool must never append.
   */
  besideRelay?: boolean
}

const toFact = (row: FactRow): StoredFact => new SqliteFact(row)

/**
 * Facts kept in memory for the subscriptions at the head (1,024 to twice that): more than one group
 * commit of 16 concurrent 50-event deliveries, and the read models follow each commit at once. A
 * subscriber further behind reads from SQLite. Kept short on purpose: at full speed, rows kept
 * longer outlive young-generation collections and are promoted, and the garbage collector then pays
 * for copying and compacting them (docs/benchmarks.md#figures-behind-design-choices).
 */
const RECENT_FACTS = 1024

/** SQL for a filter, with its parameters; prefixes compare exactly (LIKE would fold ASCII case). */
export const filterSql = (filter: FactFilter | undefined): { sql: string; params: unknown[] } => {
  const parts: string[] = []
  const params: unknown[] = []
  if (filter?.streamPrefixes && filter.streamPrefixes.length > 0) {
    parts.push('(' + filter.streamPrefixes.map(() => 'substr(stream, 1, ?) = ?').join(' OR ') + ')')
    for (const p of filter.streamPrefixes) params.push(p.length, p)
  }
  if (filter?.types && filter.types.length > 0) {
    parts.push(`type IN (${filter.types.map(() => '?').join(', ')})`)
    params.push(...filter.types)
  }
  return { sql: parts.length > 0 ? ' AND ' + parts.join(' AND ') : '', params }
}

/**
 * The `mappingId` at the top of a fact's data, kept in its own indexed column for the audit
 * trail's mapping filter. JSON text (a webhook's facts) is parsed only when it names the key.
 */
const mappingIdOf = (data: unknown): string | null => {
  if (data instanceof JsonText) {
    if (!data.text.includes('"mappingId"')) return null
    data = JSON.parse(data.text)
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return null
  const id = (data as { mappingId?: unknown }).mappingId
  return typeof id === 'string' ? id : null
}

/**
 * Opens both connections and brings the schema up to date. Whatever stops that (not a database,
 * damaged, not writable where it is) becomes one StoreUnusable naming the file.
 */
const openConnections = (options: SqliteStoreOptions, inMemory: boolean) => {
  let writer: Database.Database | undefined
  let durable: ReturnType<typeof configureWriter> | undefined
  let lock: InstanceLock | undefined
  try {
    if (!inMemory) mkdirSync(dirname(options.path), { recursive: true })
    // Before anything touches the file: a second relay on it must not even migrate it.
    if (!inMemory && !options.besideRelay) lock = lockStoreFile(options.path)
    writer = new Database(options.path)
    durable = configureWriter(writer, { inMemory, fsyncPerCommit: !(options.groupCommit ?? true) })
    migrate(writer)
    // A second connection serves reads and subscriptions so they never wait behind a write
    // transaction (WAL: one writer, many readers). An in-memory database exists per connection.
    const reader = inMemory ? writer : new Database(options.path, { readonly: true, fileMustExist: true })
    if (!inMemory) reader.pragma('busy_timeout = 5000')
    return { writer, reader, durable: durable, lock }
  } catch (error) {
    durable?.close()
    writer?.close()
    lock?.release()
    if (isStoreError(error)) throw error
    throw unusableStore(options.path, error)
  }
}

/**
 * The data column with the unread fields removed, as SQL. Type and field names are written into the
 * statement (it is prepared once per hint), so only plain identifiers are taken; others are read whole.
 */
const unreadSql = (unread: SubscribeOptions['unread']): string => {
  const cases = Object.entries(unread ?? {})
    .filter(([type]) => /^[A-Za-z][A-Za-z0-9]*$/.test(type))
    .map(([type, fields]) => [type, fields.filter((f) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(f))] as const)
    .filter(([, fields]) => fields.length > 0)
    // json_valid first: SQLite refuses JSON nested deeper than 1,000 levels ("malformed JSON", and
    // the whole read with it), which a fact may be (it was stored as text); such data is read whole.
    .map(
      ([type, fields]) =>
        `WHEN '${type}' THEN CASE WHEN json_valid(data) ` +
        `THEN json_remove(data, ${fields.map((f) => `'$.${f}'`).join(', ')}) ELSE data END`
    )
  return cases.length > 0 ? `CASE type ${cases.join(' ')} ELSE data END` : 'data'
}

export const openSqliteStore = (options: SqliteStoreOptions): EventStore => {
  const inMemory = options.path === ':memory:'
  const { writer, reader, durable, lock } = openConnections(options, inMemory)
  const groupCommit = options.groupCommit ?? true
  /** Reads that find the file damaged fail for good, naming it, instead of looking like a passing fault. */
  const reading = <T>(read: () => T): T => {
    try {
      return read()
    } catch (error) {
      throw isDamage(error) ? unusableStore(options.path, error) : error
    }
  }
  const queries = createFactQueries(reader)
  const headStatement = reader.prepare('SELECT max(position) FROM facts').pluck().safeIntegers(true)
  const head = (): bigint => (headStatement.get() as bigint | null) ?? 0n

  // Subscriptions deliver only what is durable, up to the signal's position: this connection sees
  // a transaction once it is committed, but the fsync that makes it durable may still be running
  // (walSync.ts).
  const signal = createCommitSignal(reading(head))
  const durableHead = signal.position
  // The facts just committed, kept for the subscriptions at the head (recentFacts.ts).
  const recent = recentFacts({ completeAfter: durableHead(), capacity: RECENT_FACTS })
  const onCommit = (last: bigint, appends: CommittedAppend[]): void => {
    // With nobody following, keeping rows is wasted work: the kept ones start after this commit.
    if (subscriptions.size > 0) recent.add(appends)
    else recent.skipTo(last)
    signal.notify(last)
  }
  const committer = createCommitter(writer, {
    groupCommit,
    maxGroup: options.maxGroup ?? 1024,
    onCommit,
    ...(durable ? { sync: durable.sync } : {})
  })

  const streamStatements = {
    forwards: reader
      .prepare(`SELECT ${FACT_COLUMNS} FROM facts WHERE stream = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`)
      .raw(true),
    backwards: reader
      .prepare(`SELECT ${FACT_COLUMNS} FROM facts WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`)
      .raw(true),
    exists: reader.prepare('SELECT 1 FROM facts WHERE stream = ? LIMIT 1')
  }
  const allStatements = new Map<string, Database.Statement>()
  const allStatement = (direction: 'forwards' | 'backwards', filter: FactFilter | undefined, withBodies: boolean) => {
    const { sql, params } = filterSql(filter)
    // Without bodies, no fact's data or metadata is copied out of SQLite by the scan itself.
    const columns = withBodies ? FACT_COLUMNS : 'position, stream, revision, id, type, NULL, NULL, recorded_at'
    const key = `${direction}${sql}|${withBodies}`
    let statement = allStatements.get(key)
    if (!statement) {
      statement =
        direction === 'forwards'
          ? reader
              .prepare(`SELECT ${columns} FROM facts WHERE position >= ?${sql} ORDER BY position ASC LIMIT ?`)
              .raw(true)
          : reader
              .prepare(`SELECT ${columns} FROM facts WHERE position < ?${sql} ORDER BY position DESC LIMIT ?`)
              .raw(true)
      allStatements.set(key, statement)
    }
    return { statement, params }
  }
  /**
   * The bodies of the facts of some types in a position range: one query per batch read. The
   * fields a subscriber never reads are removed by SQLite (json_remove) before the data is copied
   * out and parsed: a security event's payload is most of its fact.
   */
  const bodiesStatements = new Map<string, Database.Statement>()
  const bodiesOfTypes = (types: readonly string[], low: number, high: number, unread?: SubscribeOptions['unread']) => {
    const data = unreadSql(unread)
    const key = `${types.length}|${data}`
    let statement = bodiesStatements.get(key)
    if (!statement) {
      statement = reader
        .prepare(
          `SELECT position, ${data}, metadata FROM facts WHERE position >= ? AND position <= ? AND type IN (${types.map(() => '?').join(', ')})`
        )
        .raw(true)
      bodiesStatements.set(key, statement)
    }
    return statement.all(low, high, ...types) as [number, string, string][]
  }
  const bodyStatement = reader.prepare('SELECT data, metadata FROM facts WHERE position = ?')
  const loadBodies: BodyLoader = (position) => bodyStatement.get(position) as { data: string; metadata: string }

  type Hints = Pick<SubscribeOptions, 'bodiesFor' | 'unread'>
  const readAllSync = (opts: ReadAllOptions & Hints = {}): StoredFact[] => reading(() => readAllRows(opts))
  const readAllRows = (opts: ReadAllOptions & Hints): StoredFact[] => {
    const direction = opts.direction ?? 'forwards'
    const limit = Math.min(opts.maxCount ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
    const from = opts.fromPosition ?? (direction === 'forwards' ? 0n : head() + 1n)
    const { statement, params } = allStatement(direction, opts.filter, !opts.bodiesFor)
    const rows = statement.all(from, ...params, limit) as FactRow[]
    if (!opts.bodiesFor) return rows.map(toFact)
    // With a body hint: the hinted types' bodies in one more query, the rest loaded if touched.
    if (rows.length > 0 && opts.bodiesFor.length > 0) {
      const byPosition = new Map(rows.map((row) => [row[0], row]))
      const [first, last] = [rows[0]![0], rows[rows.length - 1]![0]]
      for (const [position, data, metadata] of bodiesOfTypes(
        opts.bodiesFor,
        Math.min(first, last),
        Math.max(first, last),
        opts.unread
      )) {
        const row = byPosition.get(position)
        if (row) {
          row[5] = data
          row[6] = metadata
        }
      }
    }
    return rows.map((row) => new SqliteFact(row, loadBodies))
  }

  const snapshots = sqliteSnapshots(writer, reader)
  let closed = false
  const subscriptions = new Set<Subscription>()

  const store: EventStore = {
    kind: 'sqlite',

    append(
      stream: string,
      facts: readonly NewFact[],
      opts?: { expectedRevision?: ExpectedRevision }
    ): Promise<AppendResult> {
      if (closed) return Promise.reject(new StoreClosed())
      let rows
      try {
        // Facts of one append usually share their metadata object: serialise it once.
        let lastMetadata: unknown
        let lastJson = ''
        rows = validateAppend(stream, facts).map((f) => {
          if (f.metadata !== lastMetadata) {
            lastMetadata = f.metadata
            lastJson = JSON.stringify(f.metadata)
          }
          return {
            id: f.id,
            type: f.type,
            data: f.data instanceof JsonText ? f.data.text : JSON.stringify(f.data),
            metadata: lastJson,
            mappingId: mappingIdOf(f.data)
          }
        })
      } catch (error) {
        return Promise.reject(error)
      }
      return new Promise((resolve, reject) => {
        committer.enqueue({ stream, expected: opts?.expectedRevision ?? 'any', rows, resolve, reject })
      })
    },

    async readStream(stream: string, opts: ReadStreamOptions = {}): Promise<StoredFact[]> {
      if (closed) throw new StoreClosed()
      const direction = opts.direction ?? 'forwards'
      const limit = opts.maxCount ?? Number.MAX_SAFE_INTEGER
      const from = opts.fromRevision ?? (direction === 'forwards' ? 0n : BigInt(Number.MAX_SAFE_INTEGER))
      const rows = reading(() => streamStatements[direction].all(stream, from, limit) as FactRow[])
      if (rows.length === 0 && streamStatements.exists.get(stream) === undefined) throw new StreamNotFound(stream)
      return rows.map(toFact)
    },

    async findFacts(query: FactQuery): Promise<FactQueryResult> {
      if (closed) throw new StoreClosed()
      return reading(() => queries.find(query))
    },

    async readAll(opts?: ReadAllOptions): Promise<StoredFact[]> {
      if (closed) throw new StoreClosed()
      return readAllSync(opts)
    },

    subscribeToAll(opts: SubscribeOptions): Subscription {
      if (closed) throw new StoreClosed()
      const subscription = sqliteSubscription({
        from: opts.from === 'start' ? 0n : opts.from === 'end' ? durableHead() : opts.from,
        readBatch: (after, max) => {
          const kept = opts.filter ? undefined : recent.after(after, max)
          if (kept) return kept.map(toFact)
          const facts = readAllSync({
            fromPosition: after + 1n,
            maxCount: max,
            ...(opts.filter ? { filter: opts.filter } : {}),
            ...(opts.bodiesFor ? { bodiesFor: opts.bodiesFor } : {}),
            ...(opts.unread ? { unread: opts.unread } : {})
          })
          return facts.length > 0 && facts[facts.length - 1]!.position > durableHead()
            ? facts.filter((f) => f.position <= durableHead())
            : facts
        },
        head: durableHead,
        signal,
        onEnd: () => subscriptions.delete(subscription)
      })
      subscriptions.add(subscription)
      return subscription
    },

    async headPosition(): Promise<bigint> {
      if (closed) throw new StoreClosed()
      return head()
    },

    async saveSnapshot(snapshot: Snapshot): Promise<void> {
      if (closed) throw new StoreClosed()
      snapshots.save(snapshot)
    },

    async loadSnapshot(name: string): Promise<Snapshot | undefined> {
      if (closed) throw new StoreClosed()
      return snapshots.load(name)
    },

    async ping(): Promise<void> {
      if (closed) throw new StoreClosed()
      reader.prepare('SELECT 1').get()
    },

    async close(): Promise<void> {
      if (closed) return
      closed = true
      await committer.drained()
      await Promise.all([...subscriptions].map((s) => s.unsubscribe()))
      signal.close()
      if (reader !== writer) reader.close()
      writer.close()
      durable?.close()
      lock?.release()
    }
  }
  return Object.assign(store, { stats: committer.stats })
}
