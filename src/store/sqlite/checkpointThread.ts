import Database from 'better-sqlite3'
import { parentPort, workerData } from 'node:worker_threads'

/**
 * Checkpoints on a thread of their own: every `intervalMs`, a PASSIVE checkpoint copies what the
 * WAL holds back into the database file on this thread's connection, without blocking the writer or
 * the readers. The writer's own automatic checkpoint is then only a backstop, so the copying and the
 * database file's fsync no longer stall a commit on the event loop. Stops on `close`.
 */

export type CheckpointData = { path: string; intervalMs: number }

if (parentPort) {
  const port = parentPort
  const { path, intervalMs } = workerData as CheckpointData
  const db = new Database(path, { fileMustExist: true })
  db.pragma('busy_timeout = 5000')
  db.pragma('synchronous = FULL')
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)')
    } catch {
      // Busy, or anything else: the next turn tries again, and the writer's own checkpoint is the
      // backstop, so a failed one costs time, never data.
    }
  }, intervalMs)
  port.on('message', (message: { op: 'close' }) => {
    if (message.op !== 'close') return
    clearInterval(timer)
    db.close()
    port.postMessage({ op: 'closed' })
    port.close()
  })
}
