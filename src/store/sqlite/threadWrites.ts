import { siblingModule, startWorker } from '../../runtime/worker.js'
import { DuplicateFactId, StoreClosed, StoreError, WrongExpectedVersion } from '../errors.js'
import type { PendingAppend } from './groupCommit.js'
import type { SerializedError, WriterAppend, WriterData, WriterMessage, WriterRequest } from './writerThread.js'

/**
 * The caller's side of the writer thread (writerThread.ts): appends queued in one turn of the event
 * loop leave in one message, answers come back a transaction at a time, and errors are revived as
 * the classes the inline writer throws.
 */

/** What the store needs from its writes, inline (groupCommit.ts) or on a thread. */
export type Writes = {
  enqueue(p: PendingAppend): void
  drained(): Promise<void>
  close(): Promise<void>
  stats(): { groups: number; appendsCommitted: number }
}

/** A writer-thread error, back as the error class the inline writer would have thrown. */
const revive = (e: SerializedError): Error => {
  if (!e.store) return Object.assign(new Error(e.message), e.code !== undefined ? { code: e.code } : {})
  if (
    e.code === 'wrong_expected_version' &&
    e.stream !== undefined &&
    e.expected !== undefined &&
    e.actual !== undefined
  )
    return new WrongExpectedVersion(e.stream, e.expected, e.actual)
  if (e.code === 'duplicate_fact_id' && e.factId !== undefined && e.stream !== undefined)
    return new DuplicateFactId(e.factId, e.stream)
  return new StoreError(e.code, e.message)
}

/** The writes on a worker thread (writerThread.ts), answered through messages. */
export const threadWrites = (data: WriterData, onCommit: (position: bigint) => void): Writes => {
  const worker = startWorker(siblingModule('writerThread', import.meta.url), data)
  const pending = new Map<number, PendingAppend>()
  let nextId = 0
  let stats = { groups: 0, appendsCommitted: 0 }
  let failure: Error | undefined
  let idle: (() => void)[] = []
  let closed: (() => void) | undefined
  const settleIdle = () => {
    if (pending.size > 0) return
    const waiters = idle
    idle = []
    for (const w of waiters) w()
  }
  const fail = (error: Error) => {
    failure ??= error
    for (const p of pending.values()) p.reject(failure)
    pending.clear()
    settleIdle()
    closed?.()
  }
  let lastCommitted = 0n
  worker.on('message', (message: WriterMessage) => {
    if (message.op === 'closed') return closed?.()
    for (const a of message.answers) {
      const p = pending.get(a.id)
      pending.delete(a.id)
      if ('result' in a) p?.resolve(a.result)
      else p?.reject(revive(a.error))
    }
    stats = { groups: message.groups, appendsCommitted: message.appendsCommitted }
    if (message.position > lastCommitted) {
      lastCommitted = message.position
      onCommit(message.position)
    }
    settleIdle()
  })
  // The appends of one turn of the event loop leave in one message.
  let outbox: WriterAppend[] = []
  const post = () => {
    worker.postMessage({ op: 'appends', appends: outbox } satisfies WriterRequest)
    outbox = []
  }
  worker.on('error', (error) =>
    fail(Object.assign(new Error(`the store's writer thread failed: ${error.message}`), { cause: error }))
  )
  worker.on('exit', () => fail(new StoreClosed()))
  return {
    enqueue(p) {
      if (failure) return p.reject(failure)
      const id = nextId++
      pending.set(id, p)
      if (outbox.length === 0) setImmediate(post)
      outbox.push({ id, stream: p.stream, expected: p.expected, rows: p.rows })
    },
    drained: () => (pending.size === 0 ? Promise.resolve() : new Promise((resolve) => idle.push(resolve))),
    async close() {
      if (failure) return
      await new Promise<void>((resolve) => {
        closed = resolve
        worker.postMessage({ op: 'close' } satisfies WriterRequest)
      })
      await worker.terminate()
    },
    stats: () => stats
  }
}
