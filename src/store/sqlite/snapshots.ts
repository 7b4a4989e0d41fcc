import type Database from 'better-sqlite3'
import type { Snapshot } from '../port.js'

type SnapshotRow = {
  name: string
  version: string
  position: bigint
  fact_id: string
  taken_at: bigint
  data: Buffer
  checksum: string
}

/**
 * Read-model snapshots in the `snapshots` table (schema.ts). Saved on the writer connection, one
 * statement and so one transaction: between two group commits (better-sqlite3 runs each one
 * synchronously), never inside one, and never waiting for a lock another connection holds.
 */
export const sqliteSnapshots = (writer: Database.Database, reader: Database.Database) => {
  const save = writer.prepare(
    `INSERT OR REPLACE INTO snapshots (name, version, position, fact_id, taken_at, data, checksum)
     VALUES (?, ?, ?, ?, ?, ?, ?)`
  )
  const load = reader.prepare('SELECT * FROM snapshots WHERE name = ?').safeIntegers(true)
  return {
    save(s: Snapshot): void {
      save.run(s.name, s.version, s.position, s.factId, s.takenAt.getTime(), s.data, s.checksum)
    },
    load(name: string): Snapshot | undefined {
      const row = load.get(name) as SnapshotRow | undefined
      if (!row) return undefined
      return {
        name: row.name,
        version: row.version,
        position: row.position,
        factId: row.fact_id,
        takenAt: new Date(Number(row.taken_at)),
        data: row.data,
        checksum: row.checksum
      }
    }
  }
}
