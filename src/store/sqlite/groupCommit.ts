import type Database from 'better-sqlite3'
import type { AppendResult } from '../port.js'
import { WriteNotDurable, isStoreError } from '../errors.js'
import { createAppendRules, isUniqueViolation, type AppendRequest } from './appendRules.js'

/** An append after validation and serialisation, waiting for its transaction. */
export type PendingAppend = AppendRequest & {
  resolve(result: AppendResult): void
  reject(error: unknown): void
}

/** Rows per INSERT statement (8 parameters each, far below SQLite's limit of 32,766). */
const MAX_ROWS_PER_INSERT = 64

type Outcome = { ok: true; result: AppendResult; recordedAt: number } | { ok: false; error: unknown }

/** An append whose transaction is durable, with when it was recorded (for a cache of recent facts). */
export type CommittedAppend = { append: PendingAppend; result: AppendResult; recordedAt: number }

/**
 * Writes appends in transactions. With group commit, every append queued since the last flush
 * shares one transaction and so one fsync, instead of paying one each
 * (docs/benchmarks.md#figures-behind-design-choices); callers are resolved only after COMMIT
 * returns.
 *
 * With `sync` (a file store: walSync.ts), a COMMIT does not wait for the disk; the appends of every
 * transaction committed before an fsync began are answered when it returns, one fsync at a time
 * and shared by all of them, while the event loop goes on.
 *
 * The append rules (appendRules.ts) run before an append writes anything, so a rejected append
 * leaves the group untouched. Anything unexpected thrown while writing (a constraint, a full
 * disk) rolls the whole group back and replays it one transaction per append, so a failing append
 * still fails alone.
 */
export const createCommitter = (
  db: Database.Database,
  options: {
    groupCommit: boolean
    maxGroup: number
    /** After each durable transaction: its last position and its appends (idempotent repeats too). */
    onCommit(lastPosition: bigint, committed: CommittedAppend[]): void
    /** Makes everything committed so far durable; without it, each COMMIT is durable when it returns. */
    sync?: (done: (error: Error | null) => void) => void
  }
) => {
  const rules = createAppendRules(db)
  const inserts = new Map<number, Database.Statement>()
  const insertOf = (rows: number): Database.Statement => {
    let statement = inserts.get(rows)
    if (!statement) {
      statement = db.prepare(
        `INSERT INTO facts (stream, revision, id, type, data, metadata, recorded_at, mapping_id) VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`
      )
      inserts.set(rows, statement)
    }
    return statement
  }

  let queue: PendingAppend[] = []
  let scheduled = false
  let idle: (() => void)[] = []
  let groups = 0
  let appendsCommitted = 0
  // Committed transactions waiting for the next fsync, and whether one is running.
  let unsynced: [PendingAppend[], Outcome[]][] = []
  let syncing = false
  let syncFailure: WriteNotDurable | undefined

  const insertRows = (p: PendingAppend, first: bigint, now: number): AppendResult => {
    let position = 0n
    // Rows go in by the chunk, one statement each: a delivery of 50 events is one native call, not 50.
    for (let from = 0; from < p.rows.length; from += MAX_ROWS_PER_INSERT) {
      const chunk = p.rows.slice(from, from + MAX_ROWS_PER_INSERT)
      const params: unknown[] = []
      let revision = first + BigInt(from)
      for (const row of chunk) {
        params.push(p.stream, revision, row.id, row.type, row.data, row.metadata, now, row.mappingId ?? null)
        revision += 1n
      }
      position = BigInt(insertOf(chunk.length).run(params).lastInsertRowid)
    }
    return { nextRevision: first + BigInt(p.rows.length) - 1n, position }
  }

  const applyOne = (p: PendingAppend, now: number): AppendResult => {
    // A new stream (most appends: one per webhook delivery) starts at revision 0, and the unique
    // (stream, revision) index refuses that row if the stream exists: the rules are consulted only
    // then. One statement at most, so a refusal leaves nothing of this append behind.
    if (p.expected === 'no_stream' && p.rows.length <= MAX_ROWS_PER_INSERT) {
      try {
        return insertRows(p, 0n, now)
      } catch (error) {
        if (!isUniqueViolation(error)) throw error
      }
    }
    const placement = rules.place(p)
    return 'repeat' in placement ? placement.repeat : insertRows(p, placement.first, now)
  }

  const runGroup = db.transaction((group: PendingAppend[], outcomes: Outcome[]) => {
    const now = Date.now()
    for (const p of group) {
      try {
        outcomes.push({ ok: true, result: applyOne(p, now), recordedAt: now })
      } catch (error) {
        // Checks throw before anything is written; anything else aborts the group (see above).
        if (isStoreError(error)) outcomes.push({ ok: false, error })
        else throw error
      }
    }
  })

  const runAlone = db.transaction((p: PendingAppend): Outcome => {
    const now = Date.now()
    return { ok: true, result: applyOne(p, now), recordedAt: now }
  })

  const settle = (group: PendingAppend[], outcomes: Outcome[]): void => {
    let last = 0n
    const committed: CommittedAppend[] = []
    for (let i = 0; i < group.length; i++) {
      const outcome = outcomes[i]!
      if (outcome.ok) {
        appendsCommitted++
        if (outcome.result.position > last) last = outcome.result.position
        committed.push({ append: group[i]!, result: outcome.result, recordedAt: outcome.recordedAt })
        group[i]!.resolve(outcome.result)
      } else {
        group[i]!.reject(outcome.error)
      }
    }
    if (last > 0n) options.onCommit(last, committed)
  }

  /** A transaction is committed: answer its appends now, or once the next fsync has returned. */
  const afterCommit = (group: PendingAppend[], outcomes: Outcome[]): void => {
    if (!options.sync) return settle(group, outcomes)
    unsynced.push([group, outcomes])
    startSync()
  }

  const startSync = (): void => {
    if (syncing || unsynced.length === 0) return
    syncing = true
    const covered = unsynced
    unsynced = []
    options.sync!((error) => {
      syncing = false
      if (error) syncFailure ??= new WriteNotDurable({ cause: error })
      for (const [group, outcomes] of covered) {
        if (syncFailure) for (const p of group) p.reject(syncFailure)
        else settle(group, outcomes)
      }
      startSync()
      releaseIdle()
    })
  }

  const releaseIdle = (): void => {
    if (queue.length > 0 || scheduled || syncing || unsynced.length > 0) return
    const waiters = idle
    idle = []
    for (const w of waiters) w()
  }

  const commit = (group: PendingAppend[]): void => {
    groups++
    const outcomes: Outcome[] = []
    try {
      runGroup.immediate(group, outcomes)
      afterCommit(group, outcomes)
      return
    } catch {
      // Fall through: replay one append per transaction so the culprit fails alone.
    }
    const alone: Outcome[] = group.map((p) => {
      try {
        return runAlone.immediate(p)
      } catch (error) {
        return { ok: false, error: rules.translate(error, p) }
      }
    })
    afterCommit(group, alone)
  }

  const flush = (): void => {
    scheduled = false
    if (syncFailure) {
      // Queued before the failed fsync was known: refused like the ones after it, nothing written.
      const refused = queue
      queue = []
      for (const p of refused) p.reject(syncFailure)
    }
    while (queue.length > 0) {
      const group = queue.length <= options.maxGroup ? queue : queue.slice(0, options.maxGroup)
      queue = queue.length <= options.maxGroup ? [] : queue.slice(options.maxGroup)
      commit(group)
      // Let appends made by the callbacks we just resolved join the next group instead of
      // starving the event loop in this loop.
      if (queue.length > 0) {
        schedule()
        return
      }
    }
    releaseIdle()
  }

  const schedule = (): void => {
    if (scheduled) return
    scheduled = true
    setImmediate(flush)
  }

  return {
    enqueue(p: PendingAppend): void {
      if (syncFailure) {
        p.reject(syncFailure)
        return
      }
      if (!options.groupCommit) {
        commit([p])
        return
      }
      queue.push(p)
      schedule()
    },
    /** Resolves when nothing is queued or waiting for its fsync. */
    drained(): Promise<void> {
      if (queue.length === 0 && !scheduled && !syncing && unsynced.length === 0) return Promise.resolve()
      return new Promise((resolve) => idle.push(resolve))
    },
    stats: () => ({ groups, appendsCommitted })
  }
}
