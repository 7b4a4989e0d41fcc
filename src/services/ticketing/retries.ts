import { isPlatformError, type PlatformError } from '../../platforms/transport/errors.js'
import type { Clock } from '../../platforms/transport/clock.js'
import type { Logger } from '../../logger.js'

/**
 * Ticket work on HaloPSA retried through transient failures (network errors, timeouts, 5xx, 429)
 * with a growing pause, for up to `giveUpAfterMs` (long enough to ride out an outage of several
 * polls); anything else fails at once. `pending()` counts the security events waiting meanwhile
 * (/api/status).
 */

export type Attempts<T> =
  { ok: true; value: T; attempts: number } | { ok: false; error: PlatformError; attempts: number }

export type RetryPolicy = { minMs?: number; maxMs?: number; giveUpAfterMs?: number }

/** Ambiguous failures: a creation may have happened even though no answer came back. */
export const mayHaveCreated = (error: PlatformError): boolean =>
  error.kind === 'timeout' || error.kind === 'server' || error.kind === 'network'

export const createRetries = (deps: { clock: Clock; policy?: RetryPolicy; logger?: Logger }) => {
  const minMs = deps.policy?.minMs ?? 1_000
  const maxMs = deps.policy?.maxMs ?? 60_000
  const giveUpAfterMs = deps.policy?.giveUpAfterMs ?? 2 * 60 * 60 * 1000
  const { clock } = deps
  let retrying = 0

  const retryLoop = async <T>(
    work: (attempt: number) => Promise<T>,
    beforeRetry: ((error: PlatformError) => Promise<T | undefined>) | undefined,
    onRetry: () => void
  ): Promise<Attempts<T>> => {
    const started = clock.now()
    let delay = minMs
    for (let attempt = 1; ; attempt++) {
      try {
        return { ok: true, value: await work(attempt), attempts: attempt }
      } catch (error) {
        if (!isPlatformError(error)) throw error
        if (!error.transient || clock.now() - started >= giveUpAfterMs) return { ok: false, error, attempts: attempt }
        onRetry()
        deps.logger?.warn(
          { call: error.call, kind: error.kind, status: error.status, retryInMs: delay },
          'HaloPSA failed transiently; retrying'
        )
        await clock.sleep(Math.max(delay, error.retryAfterMs ?? 0))
        delay = Math.min(maxMs, delay * 2)
        if (beforeRetry) {
          try {
            const found = await beforeRetry(error)
            if (found !== undefined) return { ok: true, value: found, attempts: attempt }
          } catch (lookupError) {
            if (!isPlatformError(lookupError)) throw lookupError
          }
        }
      }
    }
  }

  return {
    /** How many security events' ticket work is waiting on HaloPSA right now. */
    pending: () => retrying,
    /** Runs `work`, retrying transient failures with backoff until `giveUpAfterMs`; else the last error. */
    async withRetries<T>(
      work: (attempt: number) => Promise<T>,
      beforeRetry?: (error: PlatformError) => Promise<T | undefined>
    ): Promise<Attempts<T>> {
      let counted = false
      try {
        return await retryLoop(work, beforeRetry, () => {
          if (!counted) retrying++
          counted = true
        })
      } finally {
        if (counted) retrying--
      }
    }
  }
}

export type Retries = ReturnType<typeof createRetries>
