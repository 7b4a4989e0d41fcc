import type Database from 'better-sqlite3'
import type { AppendResult, ExpectedRevision } from '../port.js'
import { DuplicateFactId, WrongExpectedVersion } from '../errors.js'

/** An append after validation and serialisation: what the rules below look at. */
export type AppendRequest = {
  stream: string
  expected: ExpectedRevision
  /** `mappingId`: the top-level mappingId of the data, for the audit trail's index (schema.ts). */
  rows: { id: string; type: string; data: string; metadata: string; mappingId?: string | null }[]
}

/** Where an append goes: at `first` (the revision of its first fact), or nowhere as a repeat. */
export type Placement = { first: bigint } | { repeat: AppendResult }

/**
 * The rules of an append, with EventStoreDB's meaning (appending events in KurrentDB's client
 * documentation: github.com/kurrent-io/KurrentDB-Client-NodeJS, docs/api/appending-events.md): an
 * expected revision must hold at the stream's head, and an append whose fact ids are already
 * stored at the same place in the same stream is an idempotent repeat that reports the original
 * result. Every check reads, none writes, so a refused append leaves its transaction untouched.
 */
export const createAppendRules = (db: Database.Database) => {
  const statements = {
    head: db
      .prepare('SELECT revision FROM facts WHERE stream = ? ORDER BY revision DESC LIMIT 1')
      .pluck()
      .safeIntegers(true),
    byId: db.prepare('SELECT stream, revision, position FROM facts WHERE id = ?').safeIntegers(true),
    positionOf: db.prepare('SELECT position, id FROM facts WHERE stream = ? AND revision = ?').safeIntegers(true)
  }

  /** The same fact ids at the same place in the same stream: report the original append. */
  const idempotentRepeat = (p: AppendRequest, head: bigint | undefined): AppendResult | undefined => {
    const first = p.rows[0]
    if (!first) return undefined
    const found = statements.byId.get(first.id) as { stream: string; revision: bigint; position: bigint } | undefined
    if (!found) return undefined
    if (found.stream !== p.stream) throw new DuplicateFactId(first.id, p.stream)
    const matchesExpected =
      p.expected === 'any' ||
      p.expected === 'stream_exists' ||
      (p.expected === 'no_stream' && found.revision === 0n) ||
      (typeof p.expected === 'bigint' && p.expected === found.revision - 1n)
    if (!matchesExpected) throw new WrongExpectedVersion(p.stream, p.expected, head ?? 'no_stream')
    let last: { position: bigint } | undefined
    for (let i = 0; i < p.rows.length; i++) {
      const at = statements.positionOf.get(p.stream, found.revision + BigInt(i)) as
        { position: bigint; id: string } | undefined
      if (!at || at.id !== p.rows[i]!.id) throw new DuplicateFactId(first.id, p.stream)
      last = at
    }
    return { nextRevision: found.revision + BigInt(p.rows.length) - 1n, position: last!.position }
  }

  return {
    /** Where `p` goes; throws WrongExpectedVersion or DuplicateFactId when it may go nowhere. */
    place(p: AppendRequest): Placement {
      const head = statements.head.get(p.stream) as bigint | undefined
      // A repeat of an earlier append always fails a concrete expected revision (the stream has
      // moved past it), so the id lookup is only paid on that path or when no revision is given.
      if (p.expected === 'any' || p.expected === 'stream_exists' || !expectedHolds(p.expected, head)) {
        const repeat = idempotentRepeat(p, head)
        if (repeat) return { repeat }
        if (!expectedHolds(p.expected, head)) throw new WrongExpectedVersion(p.stream, p.expected, head ?? 'no_stream')
      }
      return { first: head === undefined ? 0n : head + 1n }
    },

    /** A write refused by a unique index, as the store error it means (a fact id stored elsewhere). */
    translate(error: unknown, p: AppendRequest): unknown {
      if (isUniqueViolation(error) && String((error as Error).message).includes('facts.id')) {
        const taken = p.rows.find((row) => statements.byId.get(row.id) !== undefined)
        return new DuplicateFactId(taken?.id ?? p.rows[0]!.id, p.stream)
      }
      return error
    }
  }
}

/** SQLite refused a row for a unique index: (stream, revision) taken, or a fact id stored already. */
export const isUniqueViolation = (error: unknown): boolean =>
  (error as { code?: string } | null)?.code === 'SQLITE_CONSTRAINT_UNIQUE'

const expectedHolds = (expected: ExpectedRevision, head: bigint | undefined): boolean =>
  expected === 'any' ||
  (expected === 'no_stream' && head === undefined) ||
  (expected === 'stream_exists' && head !== undefined) ||
  (typeof expected === 'bigint' && head === expected)
