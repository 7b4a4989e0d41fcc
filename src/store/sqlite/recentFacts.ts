import type { CommittedAppend } from './groupCommit.js'
import type { FactRow } from './sqliteFact.js'

/**
 * The facts this process committed last, as rows, so that subscriptions following the head (the
 * read models, the processor) get them without reading back from SQLite what was written a moment
 * ago: reading a large delivery back costs the event loop about what inserting it did.
 *
 * Complete from a known position on: every fact after `completeAfter` is here, in position order,
 * until rows are dropped from the front to bound memory (then `completeAfter` moves up). A
 * subscription further behind reads from SQLite. Only durable transactions are added (the
 * committer's onCommit), and idempotent repeats are not (their position is not new).
 */
export const recentFacts = (options: { completeAfter: bigint; capacity: number }) => {
  let rows: FactRow[] = []
  let completeAfter = Number(options.completeAfter)
  let last = completeAfter

  return {
    add(committed: readonly CommittedAppend[]): void {
      for (const { append, result, recordedAt } of committed) {
        const position = Number(result.position)
        // A repeat reports the original append's position, never past what is already here.
        if (position <= last) continue
        const n = append.rows.length
        // One append's rows are consecutive positions and revisions (one writer, one transaction).
        const firstPosition = position - n + 1
        const firstRevision = Number(result.nextRevision) - n + 1
        for (let i = 0; i < n; i++) {
          const r = append.rows[i]!
          rows.push([firstPosition + i, append.stream, firstRevision + i, r.id, r.type, r.data, r.metadata, recordedAt])
        }
        last = position
      }
      if (rows.length > 2 * options.capacity) {
        const dropped = rows.length - options.capacity
        completeAfter = rows[dropped - 1]![0]
        rows = rows.slice(dropped)
      }
    },

    /** Nothing up to `position` is kept any more: complete from there on (when nobody follows). */
    skipTo(position: bigint): void {
      rows = []
      completeAfter = Number(position)
      last = completeAfter
    },

    /**
     * Up to `max` facts after `after`, when every one of them is here; undefined when `after` is
     * older than what is kept (read SQLite instead).
     */
    after(after: bigint, max: number): FactRow[] | undefined {
      const from = Number(after)
      if (from < completeAfter) return undefined
      // Positions increase along the rows: the first one past `from`, by bisection.
      let low = 0
      let high = rows.length
      while (low < high) {
        const mid = (low + high) >>> 1
        if (rows[mid]![0] <= from) low = mid + 1
        else high = mid
      }
      return rows.slice(low, low + max)
    }
  }
}

export type RecentFacts = ReturnType<typeof recentFacts>
