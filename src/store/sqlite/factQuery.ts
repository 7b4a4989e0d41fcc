import type Database from 'better-sqlite3'
import type { FactQuery, FactQueryResult } from '../port.js'
import { FACT_COLUMNS, SqliteFact, type FactRow } from './sqliteFact.js'

/**
 * The audit trail's queries (EventStore.findFacts), filtered in SQL and bounded: a query looks at
 * no more than `maxScan` candidate facts and says how far it got, so one request over a big store
 * with few matches costs a bounded amount of work and continues from where it stopped.
 *
 * The candidates are, by the narrowest filter given: the facts of one mapping (the partial index on
 * `mapping_id`), of one stream (the `(stream, revision)` index; positions grow with revisions), or
 * the next `maxScan` positions (the rowid). Every other filter is a condition on those rows.
 */

type Candidates = { sql: string; params: unknown[] }

const candidatesOf = (q: FactQuery): Candidates | undefined => {
  if (q.mappingId !== undefined)
    return {
      sql: 'SELECT position FROM facts WHERE mapping_id = ? AND position > ? ORDER BY position LIMIT ?',
      params: [q.mappingId, q.after, q.maxScan]
    }
  if (q.stream !== undefined)
    return {
      sql: 'SELECT position FROM facts WHERE stream = ? AND position > ? ORDER BY revision LIMIT ?',
      params: [q.stream, q.after, q.maxScan]
    }
  return undefined
}

/** The conditions besides the candidates', with their parameters; prefixes compare exactly. */
const conditionsOf = (q: FactQuery): { sql: string; params: unknown[] } => {
  const parts: string[] = []
  const params: unknown[] = []
  if (q.stream !== undefined) {
    parts.push('stream = ?')
    params.push(q.stream)
  }
  if (q.streamPrefixes && q.streamPrefixes.length > 0) {
    parts.push('(' + q.streamPrefixes.map(() => 'substr(stream, 1, ?) = ?').join(' OR ') + ')')
    for (const p of q.streamPrefixes) params.push(p.length, p)
  }
  if (q.types && q.types.length > 0) {
    parts.push(`type IN (${q.types.map(() => '?').join(', ')})`)
    params.push(...q.types)
  }
  if (q.mappingId !== undefined) {
    parts.push('mapping_id = ?')
    params.push(q.mappingId)
  }
  if (q.recordedFrom !== undefined) {
    parts.push('recorded_at >= ?')
    params.push(q.recordedFrom)
  }
  if (q.recordedTo !== undefined) {
    parts.push('recorded_at <= ?')
    params.push(q.recordedTo)
  }
  return { sql: parts.map((p) => ` AND ${p}`).join(''), params }
}

/** Statements are cached by their SQL; the number of shapes is small but bounded anyway. */
const MAX_CACHED = 64

export const createFactQueries = (reader: Database.Database) => {
  const cache = new Map<string, Database.Statement>()
  const prepare = (sql: string, raw: boolean): Database.Statement => {
    const key = `${raw}|${sql}`
    let statement = cache.get(key)
    if (!statement) {
      if (cache.size >= MAX_CACHED) cache.clear()
      statement = reader.prepare(sql).safeIntegers(!raw)
      if (raw) statement.raw(true)
      cache.set(key, statement)
    }
    return statement
  }
  const head = reader.prepare('SELECT max(position) FROM facts').pluck().safeIntegers(true)

  // One read transaction: the head, the candidates and the rows are of the same snapshot (WAL).
  const find = reader.transaction((q: FactQuery): FactQueryResult => {
    const last = (head.get() as bigint | null) ?? 0n
    const candidates = candidatesOf(q)
    const conditions = conditionsOf(q)
    let rows: FactRow[]
    let scannedTo: bigint
    if (candidates) {
      rows = prepare(
        `SELECT ${FACT_COLUMNS} FROM facts WHERE position IN (${candidates.sql})${conditions.sql} ORDER BY position LIMIT ?`,
        true
      ).all(...candidates.params, ...conditions.params, q.limit) as FactRow[]
      const seen = prepare(`SELECT count(*) AS n, max(position) AS upto FROM (${candidates.sql})`, false).get(
        ...candidates.params
      ) as { n: bigint; upto: bigint | null }
      // Fewer candidates than asked for: every candidate up to the head has been looked at.
      scannedTo = seen.n < BigInt(q.maxScan) ? (last > q.after ? last : q.after) : seen.upto!
    } else {
      const upto = q.after + BigInt(q.maxScan)
      rows = prepare(
        `SELECT ${FACT_COLUMNS} FROM facts WHERE position > ? AND position <= ?${conditions.sql} ORDER BY position LIMIT ?`,
        true
      ).all(q.after, upto, ...conditions.params, q.limit) as FactRow[]
      scannedTo = upto < last ? upto : last > q.after ? last : q.after
    }
    const facts = rows.map((row) => new SqliteFact(row))
    // A full page stops at its last fact, whatever was scanned.
    if (facts.length === q.limit && facts.length > 0) scannedTo = facts[facts.length - 1]!.position
    return { facts, scannedTo, atEnd: scannedTo >= last }
  })

  return { find: (q: FactQuery): FactQueryResult => find.deferred(q) }
}
