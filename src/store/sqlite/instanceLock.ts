import Database from 'better-sqlite3'
import { StoreUnusable } from '../errors.js'
import { unusableStore } from './unusable.js'

/**
 * One relay per SQLite file: a second process on the same file would run its own scheduler and
 * ticketing processor beside the first (two tickets for one event, two billing runs), so it
 * refuses to start instead. The lock is SQLite's own exclusive lock, held for the life of the
 * store on a side file (`<path>.lock`) in a transaction that never ends: the operating system
 * releases it when the holder exits, however it exits (SIGKILL included), so a stale lock never
 * blocks a restart. The store's own file cannot carry it: in WAL mode its readers and writer
 * share it by design. SQLite checks its locks between connections of one process too, so a
 * second store opened on the file in the same process is refused the same way.
 */

export type InstanceLock = { release(): void }

export const lockPathOf = (path: string): string => `${path}.lock`

export const lockStoreFile = (path: string): InstanceLock => {
  const lockPath = lockPathOf(path)
  let db: Database.Database | undefined
  try {
    db = new Database(lockPath, { timeout: 0 })
    db.pragma('locking_mode = EXCLUSIVE')
    db.exec('BEGIN EXCLUSIVE')
  } catch (error) {
    db?.close()
    const code = (error as { code?: unknown } | null)?.code
    if (code === 'SQLITE_BUSY')
      throw new StoreUnusable(
        `the event store ${path} is in use by another relay (it holds ${lockPath}); an SQLite store serves ` +
          'one relay: stop the other one, or run several relays on EventStoreDB (docs/deployment.md)',
        { cause: error }
      )
    throw unusableStore(path, error)
  }
  const held = db
  return {
    release() {
      if (!held.open) return
      held.exec('ROLLBACK')
      held.close()
    }
  }
}
