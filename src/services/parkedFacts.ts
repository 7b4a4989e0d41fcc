import type { StoredFact } from '../store/port.js'
import { isStoreError } from '../store/errors.js'
import { isDomainError } from '../domain/errors.js'
import { asFact } from '../domain/facts.js'
import { isPlatformError } from '../platforms/transport/errors.js'

/**
 * What a processor knows about the facts it parked (processor.ts): which handler failures are
 * worth waiting out and which mean the fact will never go through, and the parked facts as the
 * processor's `FactParked` and `ParkedFactRetried` facts tell them.
 */

/** A fact a processor parked and nobody has retried since. */
export type ParkedFact = {
  processor: string
  factId: string
  factType: string
  /** Its global position, as a decimal string. */
  position: string
  /** The handler's last error. */
  error: string
  attempts: number
  parkedAt: string
  /** What became of the fact: its handling failed (shown as such in status and on the dashboard). */
  outcome: 'failed'
}

const brand = Symbol.for('gz-halo-relay.retry-later')

/** Marks an error as one to wait out (the read models are behind, say): the fact is never parked for it. */
export const retryLater = (error: unknown): Error => {
  const wrapped = new Error(error instanceof Error ? error.message : String(error), { cause: error })
  Object.defineProperty(wrapped, brand, { value: true })
  return wrapped
}

// The store is down or closing: nothing can be recorded meanwhile, and nothing is wrong with the fact.
// `not_leader`: this instance's term ended under the handler (services/leaderFence.ts); it stops.
const unavailable = new Set(['store_unavailable', 'store_closed', 'write_not_durable', 'not_leader'])

/** Failures a processor waits out, retrying the same fact for as long as they last. */
export const isWorthWaiting = (error: unknown): boolean =>
  (typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true) ||
  (isPlatformError(error) && error.transient) ||
  (isStoreError(error) && unavailable.has(error.code))

/**
 * Failures that will come back the same on the same fact: a bug or data the handler cannot take
 * (a TypeError, a RangeError from a value nested too deep), not an upstream or store refusal and
 * not a conflict between writers, which may go away (those are parked after a number of attempts).
 */
export const isDeterministic = (error: unknown): boolean =>
  !isPlatformError(error) &&
  !isStoreError(error) &&
  !(isDomainError(error) && error.code === 'concurrency_conflict') &&
  !isWorthWaiting(error)

/** An error as a FactParked records it: name and message, at most 500 characters. */
export const describeError = (error: unknown): string => {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : `thrown: ${String(error)}`
  return text.length > 500 ? `${text.slice(0, 499)}…` : text
}

/**
 * The parked facts of one processor, folded from its FactParked and ParkedFactRetried facts. The
 * processor applies what it records as soon as it is recorded, and again when its subscription
 * gets there: a record at or before the one an entry was last changed by is not applied twice.
 */
export const parkedFactsState = (processor: string) => {
  /**
   * Every fact ever parked, by id; `retried` once an operator sent it back to the handler,
   * `version` the position of the record that said so last.
   */
  const facts = new Map<string, ParkedFact & { retried: boolean; version: bigint }>()
  return {
    apply(fact: Pick<StoredFact, 'type' | 'data' | 'position' | 'recordedAt'>) {
      // Read field by field: a stored fact may load its data on first access (no spreading it).
      const f = asFact({ id: '', type: fact.type, data: fact.data, recordedAt: fact.recordedAt })
      if (f.type !== 'FactParked' && f.type !== 'ParkedFactRetried') return
      if (f.data.processor !== processor) return
      const known = facts.get(f.data.factId)
      if (known && fact.position <= known.version) return
      if (f.type === 'FactParked') {
        const { processor: _p, ...data } = f.data
        const parkedAt = fact.recordedAt.toISOString()
        facts.set(data.factId, {
          processor,
          ...data,
          parkedAt,
          outcome: 'failed',
          retried: false,
          version: fact.position
        })
      } else if (known) {
        known.retried = true
        known.version = fact.position
      }
    },
    get: (factId: string) => facts.get(factId),
    /** Parked and not retried, in the order of their positions. */
    list: (): ParkedFact[] =>
      [...facts.values()]
        .filter((f) => !f.retried)
        .sort((a, b) => (BigInt(a.position) < BigInt(b.position) ? -1 : 1))
        .map(({ retried: _r, version: _v, ...parked }) => parked)
  }
}
