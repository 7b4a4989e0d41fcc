import { siblingModule, startWorker } from '../../runtime/worker.js'
import type { CheckpointData } from './checkpointThread.js'

/** Every quarter second, the WAL is copied back into the database file by another thread. */
export const CHECKPOINT_INTERVAL_MS = 250

/** Starts the checkpoint thread of a store file (checkpointThread.ts); `close` waits for it to stop. */
export const checkpointThread = (path: string, intervalMs = CHECKPOINT_INTERVAL_MS) => {
  const worker = startWorker(siblingModule('checkpointThread', import.meta.url), {
    path,
    intervalMs
  } satisfies CheckpointData)
  let stopped = false
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()))
  // Checkpoints are an optimisation: a failed one leaves the writer's own to do the work.
  worker.on('error', () => undefined)
  worker.unref()
  return {
    async close(): Promise<void> {
      if (stopped) return
      stopped = true
      const closed = new Promise<void>((resolve) =>
        worker.on('message', (m: { op: string }) => m.op === 'closed' && resolve())
      )
      worker.postMessage({ op: 'close' })
      await Promise.race([closed, exited])
      await worker.terminate()
    }
  }
}
