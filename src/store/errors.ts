import type { ExpectedRevision } from './port.js'

// Errors carry a stable `code` and a `Symbol.for` brand, as undici's do: `instanceof` fails when two
// copies of this module are loaded (a worker, a duplicated package), a registered symbol does not.
const brand = Symbol.for('gz-halo-relay.store-error')

export class StoreError extends Error {
  readonly code: string
  readonly [brand] = true
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

export class WrongExpectedVersion extends StoreError {
  readonly stream: string
  readonly expected: ExpectedRevision
  /** The stream's current last revision, or `no_stream`. */
  readonly actual: bigint | 'no_stream'
  constructor(stream: string, expected: ExpectedRevision, actual: bigint | 'no_stream') {
    super('wrong_expected_version', `stream ${stream}: expected revision ${String(expected)}, actual ${String(actual)}`)
    this.stream = stream
    this.expected = expected
    this.actual = actual
  }
}

export class StreamNotFound extends StoreError {
  readonly stream: string
  constructor(stream: string) {
    super('stream_not_found', `stream ${stream} not found`)
    this.stream = stream
  }
}

/** The same fact id is already stored somewhere the append cannot be an idempotent repeat of. */
export class DuplicateFactId extends StoreError {
  readonly factId: string
  constructor(factId: string, stream: string) {
    super('duplicate_fact_id', `fact id ${factId} is already stored and cannot be appended to ${stream} again`)
    this.factId = factId
  }
}

export class StoreClosed extends StoreError {
  constructor() {
    super('store_closed', 'the event store is closed')
  }
}

/**
 * The disk refused to flush the store's log. Appends waiting on that flush are refused, and so is
 * every later one: after a failed fsync the kernel may have dropped the unwritten pages, so a later
 * flush that succeeds proves nothing about them (the store must be reopened).
 */
export class WriteNotDurable extends StoreError {
  constructor(options?: { cause?: unknown }) {
    super('write_not_durable', 'the event store could not flush its log to disk', options)
  }
}

/**
 * The store cannot be used at all: its file is not a database, is damaged, or cannot be opened or
 * written where it is. Retrying does not help; the message names the store and what is wrong.
 */
export class StoreUnusable extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store_unusable', message, options)
  }
}

export class InvalidAppend extends StoreError {
  constructor(message: string) {
    super('invalid_append', message)
  }
}

export const isStoreError = (error: unknown): error is StoreError =>
  typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true

export const isWrongExpectedVersion = (error: unknown): error is WrongExpectedVersion =>
  isStoreError(error) && error.code === 'wrong_expected_version'

export const isStreamNotFound = (error: unknown): error is StreamNotFound =>
  isStoreError(error) && error.code === 'stream_not_found'

/** A stored snapshot that cannot be read back as one (the caller ignores it and rebuilds). */
export class SnapshotUnreadable extends StoreError {
  constructor(name: string, reason: string) {
    super('snapshot_unreadable', `the snapshot of ${name} cannot be read: ${reason}`)
  }
}
