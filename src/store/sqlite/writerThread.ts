import Database from 'better-sqlite3'
import { parentPort, workerData } from 'node:worker_threads'
import type { AppendResult, ExpectedRevision } from '../port.js'
import { isStoreError } from '../errors.js'
import { configureWriter } from './schema.js'
import { createCommitter, type PendingAppend } from './groupCommit.js'

/**
 * The SQLite writer on its own thread (`openSqliteStore({ writer: 'thread' })`): the same group
 * commit, but the inserts and the COMMIT's fsync no longer block the event loop that parses
 * requests, so HTTP work and durable writes overlap on two cores. Messages in: appends (already
 * validated and serialised by the caller) and `close`; messages out: one answer per append, then
 * a `commit` notice with the last position of each transaction.
 */

export type WriterRequest =
  | { op: 'append'; id: number; stream: string; expected: ExpectedRevision; rows: PendingAppend['rows'] }
  | { op: 'close' }

export type SerializedError =
  | { store: true; code: string; message: string; stream?: string; expected?: ExpectedRevision; actual?: bigint | 'no_stream'; factId?: string }
  | { store: false; message: string; code?: string }

export type WriterMessage =
  | { op: 'result'; id: number; result: AppendResult }
  | { op: 'error'; id: number; error: SerializedError }
  | { op: 'commit'; position: bigint; groups: number; appendsCommitted: number }
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
  return { store: false, message: error instanceof Error ? error.message : String(error), ...(typeof code === 'string' ? { code } : {}) }
}

if (parentPort) {
  const port = parentPort
  const data = workerData as WriterData
  const db = new Database(data.path)
  configureWriter(db, false)
  const committer = createCommitter(db, {
    groupCommit: data.groupCommit,
    maxGroup: data.maxGroup,
    onCommit: (position) => port.postMessage({ op: 'commit', position, ...committer.stats() } satisfies WriterMessage)
  })
  port.on('message', (request: WriterRequest) => {
    if (request.op === 'close') {
      void committer.drained().then(() => {
        db.close()
        port.postMessage({ op: 'closed' } satisfies WriterMessage)
        port.close()
      })
      return
    }
    const { id } = request
    committer.enqueue({
      stream: request.stream,
      expected: request.expected,
      rows: request.rows,
      resolve: (result) => port.postMessage({ op: 'result', id, result } satisfies WriterMessage),
      reject: (error) => port.postMessage({ op: 'error', id, error: serialize(error) } satisfies WriterMessage)
    })
  })
}
