import type { Worker } from 'node:worker_threads'
import { siblingModule, startWorker } from '../runtime/worker.js'
import { preparePush, type PreparedPush, type PushLimits } from './pushPreparation.js'
import type { PreparationAnswer, PreparationRequest } from './pushPreparationThread.js'

/**
 * GravityZone deliveries prepared on threads of their own (INGEST_THREADS), so parsing and
 * classifying a large batch does not hold up the event loop that answers requests and commits
 * facts. Small bodies are prepared inline: for a few events a message each way costs more than
 * the work. Threads start on first use. A thread that fails is not replaced: what it had in hand
 * and everything after is prepared inline, so no delivery is refused for it. Preparing a body
 * inline from a thread's `error` or `exit` listener never throws out of the listener: a body that
 * cannot be prepared fails its own request, and the process goes on.
 */

/** Bodies from this size (≈ 14 typical events) go to a thread. */
const THREAD_MIN_BYTES = 8 * 1024

export type PushPreparers = {
  prepare(body: Uint8Array): Promise<PreparedPush>
  close(): Promise<void>
}

type Waiting = { body: Uint8Array; resolve(prepared: PreparedPush): void; reject(error: Error): void }

const preparationThread = (limits: PushLimits, onFailure: (waiting: Waiting[]) => void) => {
  const worker: Worker = startWorker(siblingModule('pushPreparationThread', import.meta.url), null)
  const waiting = new Map<number, Waiting>()
  let next = 0
  let failed = false
  const fail = () => {
    if (failed) return
    failed = true
    const left = [...waiting.values()]
    waiting.clear()
    onFailure(left)
  }
  worker.on('message', (answer: PreparationAnswer) => {
    const w = waiting.get(answer.id)
    waiting.delete(answer.id)
    // An idle preparation thread must not keep the process alive; a busy one must.
    if (waiting.size === 0) worker.unref()
    if ('failed' in answer) w?.reject(new Error(`the delivery could not be prepared: ${answer.failed}`))
    else w?.resolve(answer.prepared)
  })
  worker.on('error', fail)
  worker.on('exit', fail)
  worker.unref()
  return {
    get failed() {
      return failed
    },
    prepare(body: Uint8Array): Promise<PreparedPush> {
      return new Promise((resolve, reject) => {
        const id = next++
        if (waiting.size === 0) worker.ref()
        waiting.set(id, { body, resolve, reject })
        // A copy of its own, handed over rather than copied again: the request's Buffer may be a
        // view into a larger shared one.
        const copy = new Uint8Array(body)
        worker.postMessage({ id, body: copy, limits } satisfies PreparationRequest, [copy.buffer])
      })
    },
    /** What the thread has in hand goes the way of a failure: back to be prepared inline. */
    async close() {
      fail()
      await worker.terminate()
    }
  }
}

export const createPushPreparers = (options: { threads: number; minBytes?: number } & PushLimits): PushPreparers => {
  const minBytes = options.minBytes ?? THREAD_MIN_BYTES
  const limits: PushLimits = options.maxEvents !== undefined ? { maxEvents: options.maxEvents } : {}
  let threads: ReturnType<typeof preparationThread>[] | undefined
  let turn = 0
  let closed = false
  // Called from a failed thread's listeners: each body settles its own request, whatever happens.
  const inline = (waiting: Waiting[]) => {
    for (const w of waiting) {
      try {
        w.resolve(preparePush(w.body, limits))
      } catch (error) {
        w.reject(error instanceof Error ? error : new Error(String(error)))
      }
    }
  }
  return {
    async prepare(body) {
      if (closed || options.threads < 1 || body.byteLength < minBytes) return preparePush(body, limits)
      threads ??= Array.from({ length: options.threads }, () => preparationThread(limits, inline))
      const live = threads.filter((t) => !t.failed)
      if (live.length === 0) return preparePush(body, limits)
      return live[turn++ % live.length]!.prepare(body)
    },
    async close() {
      closed = true
      await Promise.all((threads ?? []).map((t) => t.close()))
    }
  }
}
