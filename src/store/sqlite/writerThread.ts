import Database from 'better-sqlite3'
import { parentPort, workerData } from 'node:worker_threads'
import type { AppendResult, ExpectedRevision } from '../port.js'
import { isStoreError } from '../errors.js'
import { configureWriter } from './schema.js'
import { createCommitter, type PendingAppend } from './groupCommit.js'

/**
 * The SQLite writer on its own thread (`openSqliteStore({ writer: 'thread' })`): the same group
 * commit, but the inserts and the COMMITs no longer run on the event loop that parses
 * requests, so HTTP work and durable writes overlap on two cores. Messages in: the appends made
 * in one turn of the caller's event loop (validated and serialised already), and `close`; messages
 * out: the answers of one transaction together, with the last position it committed. Messages are
 * batched both ways because a message per append cost more than the fsync it saved.
 */

export type WriterAppend = { id: number; stream: string; expected: ExpectedRevision; rows: PendingAppend['rows'] }

export type WriterRequest = { op: 'appends'; appends: WriterAppend[] } | { op: 'close' }

export type SerializedError =
  | {
      store: true
      code: string
      message: string
      stream?: string
      expected?: ExpectedRevision
      actual?: bigint | 'no_stream'
      factId?: string
    }
  | { store: false; message: string; code?: string }

export type WriterAnswer = { id: number; result: AppendResult } | { id: number; error: SerializedError }

export type WriterMessage =
  | { op: 'answers'; answers: WriterAnswer[]; position: bigint; groups: number; appendsCommitted: number }
  | { op: 'closed' }

export type WriterData = { path: string; groupCommit: boolean; maxGroup: number }

const serialize = (error: unknown): SerializedError => {
  if (isStoreError(error)) {
    const e = error as unknown as Record<string, unknown>
    return {
      store: true,
      code: error.code,
      message: error.message,
      ...(typeof e.stream === 'string' ? { stream: e.stream } : {}),
      ...(e.expected !== undefined ? { expected: e.expected as ExpectedRevision } : {}),
      ...(e.actual !== undefined ? { actual: e.actual as bigint | 'no_stream' } : {}),
      ...(typeof e.factId === 'string' ? { factId: e.factId } : {})
    }
  }
  const code = (error as { code?: unknown })?.code
  return {
    store: false,
    message: error instanceof Error ? error.message : String(error),
    ...(typeof code === 'string' ? { code } : {})
  }
}

if (parentPort) {
  const port = parentPort
  const data = workerData as WriterData
  const db = new Database(data.path)
  const durable = configureWriter(db, { inMemory: false, fsyncPerCommit: !data.groupCommit })
  // A transaction settles all its appends synchronously: their answers leave in one message.
  let answers: WriterAnswer[] = []
  let committed = 0n
  const answer = (a: WriterAnswer) => {
    if (answers.length === 0) queueMicrotask(send)
    answers.push(a)
  }
  const send = () => {
    port.postMessage({ op: 'answers', answers, position: committed, ...committer.stats() } satisfies WriterMessage)
    answers = []
  }
  const committer = createCommitter(db, {
    groupCommit: data.groupCommit,
    maxGroup: data.maxGroup,
    onCommit: (position) => {
      committed = position
    },
    ...(durable ? { sync: durable.sync } : {})
  })
  port.on('message', (request: WriterRequest) => {
    if (request.op === 'close') {
      void committer.drained().then(() => {
        db.close()
        durable?.close()
        port.postMessage({ op: 'closed' } satisfies WriterMessage)
        port.close()
      })
      return
    }
    for (const { id, stream, expected, rows } of request.appends) {
      committer.enqueue({
        stream,
        expected,
        rows,
        resolve: (result) => answer({ id, result }),
        reject: (error) => answer({ id, error: serialize(error) })
      })
    }
  })
}
