import { closeSync, fsync, fsyncSync, openSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * Makes committed transactions durable off the event loop. The writer runs with
 * `synchronous = NORMAL`, so a COMMIT writes its frames to the WAL without waiting for the disk;
 * the committer then asks for one `fsync` of the WAL file on libuv's thread pool and answers the
 * appends of every transaction committed before that fsync began only once it returns. That is the
 * durability of `synchronous = FULL` (the WAL is on disk before an append is acknowledged), with
 * one fsync shared by every transaction committed meanwhile and the event loop free during it.
 *
 * SQLite still syncs what it must on its own at NORMAL: the WAL header when the log restarts, and
 * the WAL then the database file around every checkpoint.
 */
export type WalSync = {
  /** Flushes every WAL frame written so far to the disk; `done` gets the error if that failed. */
  sync(done: (error: Error | null) => void): void
  /** Closes the file; call after the writer connection is closed. */
  close(): void
}

/** The WAL sync of the store file at `databasePath` (its log is `<path>-wal`, as SQLite names it). */
export const walSync = (databasePath: string): WalSync => {
  // Opened at the first sync (a COMMIT has created the log by then) and kept open: closing any
  // descriptor of a file would drop the POSIX locks this process holds on it.
  let fd: number | undefined
  const open = (): number => {
    syncDirectory(dirname(databasePath))
    return openSync(`${databasePath}-wal`, 'r+')
  }
  return {
    sync(done) {
      try {
        fd ??= open()
      } catch (error) {
        done(error as Error)
        return
      }
      fsync(fd, done)
    },
    close() {
      if (fd === undefined) return
      closeSync(fd)
      fd = undefined
    }
  }
}

/** The directory's entries (the log's name, if this process created it) on disk, once. */
const syncDirectory = (path: string): void => {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } catch (error) {
    // Some file systems refuse fsync on a directory; the log's own data is what matters.
    if ((error as { code?: string }).code !== 'EINVAL') throw error
  } finally {
    closeSync(fd)
  }
}
