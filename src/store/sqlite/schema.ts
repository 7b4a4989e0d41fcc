import type Database from 'better-sqlite3'
import { walSync, type WalSync } from './walSync.js'

/**
 * One append-only table. `position` is the rowid (INTEGER PRIMARY KEY), so the global order costs
 * no extra index; one unique index per uniqueness rule (every index is a B-tree that each append
 * must update, at random places for random keys), and one partial index for the audit trail's
 * mapping filter: `mapping_id` is the `mappingId` at the top of a fact's data, set at append time,
 * and only facts that have one (mapping, billing and health facts, not webhook deliveries) get an
 * index entry, so the appends of the busy path pay nothing for it.
 *
 * Version 2 added `mapping_id`; a version 1 store gets the column and its values when opened.
 *
 * Beside it, `snapshots` holds the latest saved state of each read model (derived data, never a
 * fact: docs/architecture.md#read-model-snapshots), one row per read model, replaced in one
 * statement, so a crash while saving leaves the previous row whole. Adding the table needed no new
 * schema version: a build that does not know it never reads it.
 */
export const SCHEMA_VERSION = 2

export const migrate = (db: Database.Database): void => {
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[]
  if (tables.length > 0 && !tables.includes('facts'))
    throw new Error(`it is an SQLite database of something else (tables ${tables.slice(0, 5).join(', ')}, no facts)`)
  db.exec(`
    CREATE TABLE IF NOT EXISTS facts (
      position    INTEGER PRIMARY KEY,
      stream      TEXT    NOT NULL,
      revision    INTEGER NOT NULL,
      id          TEXT    NOT NULL,
      type        TEXT    NOT NULL,
      data        TEXT    NOT NULL,
      metadata    TEXT    NOT NULL,
      recorded_at INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX IF NOT EXISTS facts_stream_revision ON facts (stream, revision);
    CREATE UNIQUE INDEX IF NOT EXISTS facts_id ON facts (id);
    CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS snapshots (
      name     TEXT    PRIMARY KEY,
      version  TEXT    NOT NULL,
      position INTEGER NOT NULL,
      fact_id  TEXT    NOT NULL,
      taken_at INTEGER NOT NULL,
      data     BLOB    NOT NULL,
      checksum TEXT    NOT NULL
    );
  `)
  const row = db.prepare(`SELECT value FROM store_meta WHERE key = 'schema_version'`).get() as
    { value: string } | undefined
  const version = row ? Number(row.value) : undefined
  if (version !== undefined && version > SCHEMA_VERSION)
    throw new Error(`the store was written by a newer relay (schema ${row!.value}, this build knows ${SCHEMA_VERSION})`)
  const columns = db.prepare(`SELECT name FROM pragma_table_info('facts')`).pluck().all() as string[]
  db.transaction(() => {
    if (!columns.includes('mapping_id')) {
      db.exec(`ALTER TABLE facts ADD COLUMN mapping_id TEXT`)
      // Facts written before the column existed: the same rule as at append time (sqliteStore.ts).
      db.exec(`UPDATE facts SET mapping_id = json_extract(data, '$.mappingId')
               WHERE json_type(data, '$.mappingId') = 'text'`)
    }
    db.exec(`CREATE INDEX IF NOT EXISTS facts_mapping ON facts (mapping_id) WHERE mapping_id IS NOT NULL`)
    db.prepare(`INSERT OR REPLACE INTO store_meta (key, value) VALUES ('schema_version', ?)`).run(
      String(SCHEMA_VERSION)
    )
  }).immediate()
}

/**
 * Durability settings, and what makes a commit durable. In WAL mode a file store's writer runs at
 * `synchronous = NORMAL` and returns the WalSync that its committer must wait on before answering
 * an append (walSync.ts): together, the WAL is on disk before any append is acknowledged, as with
 * FULL, but the fsync runs off the event loop and is shared by every transaction committed while
 * the previous one ran. With `fsyncPerCommit` (no group commit: the one-transaction-per-append
 * baseline) every COMMIT waits for its own fsync instead (FULL). better-sqlite3 is built with
 * SQLITE_DEFAULT_WAL_SYNCHRONOUS=1 (NORMAL in WAL mode), so the level is set explicitly either way
 * (https://www.sqlite.org/pragma.html#pragma_synchronous). The journal mode is read back because
 * the pragma answers with the mode in force and does not throw when the switch to WAL fails
 * (https://www.sqlite.org/pragma.html#pragma_journal_mode).
 */
export const configureWriter = (
  db: Database.Database,
  options: { inMemory: boolean; fsyncPerCommit: boolean }
): WalSync | undefined => {
  const { inMemory } = options
  const shared = !inMemory && !options.fsyncPerCommit
  if (!inMemory) {
    const mode = db.pragma('journal_mode = WAL', { simple: true })
    if (String(mode).toLowerCase() !== 'wal')
      throw new Error(`could not switch the store to WAL (journal_mode=${String(mode)})`)
  }
  db.pragma(shared ? 'synchronous = NORMAL' : 'synchronous = FULL')
  db.pragma('busy_timeout = 5000')
  // Checkpoint every ~40 MB of WAL instead of SQLite's 4 MB: a page rewritten by many group commits
  // is copied back once, and the checkpoint's own fsync is paid ten times less often
  // (https://www.sqlite.org/wal.html#automatic_checkpoint;
  // docs/benchmarks.md#figures-behind-design-choices).
  db.pragma('wal_autocheckpoint = 10000')
  return shared ? walSync(db.name) : undefined
}
