import { Agent, request, type Dispatcher } from 'undici'
import { systemClock, type Clock } from './clock.js'
import { PlatformError, isPlatformError, type Platform } from './errors.js'
import { currentCancellation } from './cancellation.js'
import type { RateLimiter } from './rateLimiter.js'

/**
 * One outbound call, done properly: wait for the platform's rate limiter, time out, and retry
 * transient failures. This is the only place a single call is retried: a 429 pauses the shared
 * limiter (for `Retry-After` when the platform sends one) and is sent again whatever the method,
 * since the platform refused it before doing anything; a 5xx, timeout or network error is sent
 * again with exponential backoff and jitter only when the caller says the call is idempotent. The
 * two have separate budgets (`rateLimitedRetries`, `retries`). Layers above never repeat these
 * retries; what they own instead (a fresh token after a 401, a business operation retried after an
 * outage) is written down in docs/outbound-calls.md.
 */

export type RetryPolicy = {
  /** Attempts after the first. */
  retries: number
  minDelayMs: number
  maxDelayMs: number
  /** Used when a 429 carries no Retry-After. */
  defaultRetryAfterMs: number
  /** 429 answers waited out before giving up (counted apart from `retries`). */
  rateLimitedRetries: number
}

export const defaultRetryPolicy: RetryPolicy = {
  retries: 4,
  minDelayMs: 250,
  maxDelayMs: 30_000,
  defaultRetryAfterMs: 5_000,
  rateLimitedRetries: 12
}

type TransportRequest = {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
  /** Path and query, appended to the base URL. */
  path: string
  /** A short name for errors, logs and metrics, e.g. `GET /api/Client/{id}` or `licensing.getMonthlyUsage`. */
  call: string
  headers?: Record<string, string>
  body?: string
  /** Safe to send again after a failure without knowing whether the first one took effect. */
  idempotent: boolean
  /** The limiter for this call's budget (a platform may have several). */
  limiter?: RateLimiter
  timeoutMs?: number
  /** Abandons the call (its waits and its answer); defaults to the work's scope (cancellation.ts). */
  signal?: AbortSignal
}

export type TransportResponse = {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  attempts: number
}

export type Transport = {
  send(req: TransportRequest): Promise<TransportResponse>
  close(): Promise<void>
  stats(): Record<string, number>
}

export type TransportOptions = {
  platform: Platform
  baseUrl: string
  timeoutMs?: number
  retry?: Partial<RetryPolicy>
  limiter?: RateLimiter
  clock?: Clock
  dispatcher?: Dispatcher
  /** Told about every finished call (for /metrics). */
  onCall?: (event: {
    call: string
    outcome: 'ok' | 'retried' | PlatformError['kind'] | 'http_error'
    status?: number
    durationMs: number
  }) => void
}

/** `Retry-After` in seconds or as an HTTP date; undefined when absent or unreadable. */
const parseRetryAfter = (value: string | string[] | undefined, now: number): number | undefined => {
  const raw = Array.isArray(value) ? value[0] : value
  if (raw === undefined || raw.trim() === '') return undefined
  if (/^\d+(\.\d+)?$/.test(raw.trim())) return Math.round(Number(raw) * 1000)
  const at = Date.parse(raw)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

export const createTransport = (options: TransportOptions): Transport => {
  const clock = options.clock ?? systemClock
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...options.retry }
  const ownDispatcher = options.dispatcher ? undefined : new Agent({ keepAliveTimeout: 10_000, connections: 16 })
  const dispatcher = options.dispatcher ?? ownDispatcher!
  const base = options.baseUrl.replace(/\/+$/, '')
  const counts: Record<string, number> = { calls: 0, retries: 0, failures: 0 }

  const once = async (req: TransportRequest, attempt: number, cancel?: AbortSignal): Promise<TransportResponse> => {
    const limiter = req.limiter ?? options.limiter
    if (limiter) await limiter.acquire(cancel)
    const timeoutMs = req.timeoutMs ?? options.timeoutMs ?? 15_000
    const timeout = AbortSignal.timeout(timeoutMs)
    const signal = cancel ? AbortSignal.any([timeout, cancel]) : timeout
    try {
      const res = await request(base + req.path, {
        method: req.method,
        headers: req.headers ?? {},
        ...(req.body !== undefined ? { body: req.body } : {}),
        dispatcher,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs
      })
      const text = await res.body.text()
      return { status: res.statusCode, headers: res.headers, text, attempts: attempt + 1 }
    } catch (error) {
      if (cancel?.aborted) throw cancel.reason
      const timedOut =
        timeout.aborted ||
        /timeout/i.test((error as Error).name ?? '') ||
        /Timeout/.test((error as { code?: string }).code ?? '')
      throw new PlatformError({
        platform: options.platform,
        call: req.call,
        kind: timedOut ? 'timeout' : 'network',
        message: timedOut
          ? `no answer within ${timeoutMs} ms`
          : `network error (${(error as { code?: string }).code ?? (error as Error).name})`,
        attempts: attempt + 1,
        cause: error
      })
    }
  }

  const backoff = (attempt: number) =>
    Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** attempt) * (0.5 + Math.random() / 2)

  return {
    async send(req) {
      const cancel = req.signal ?? currentCancellation()
      cancel?.throwIfAborted()
      const started = clock.now()
      counts.calls!++
      let failedAttempts = 0
      let limitedAttempts = 0
      for (let attempt = 0; ; attempt++) {
        let response: TransportResponse | undefined
        let failure: PlatformError | undefined
        try {
          response = await once(req, attempt, cancel)
        } catch (error) {
          if (!isPlatformError(error)) throw error
          failure = error
        }
        const status = response?.status
        const limited = status === 429
        const serverError = status !== undefined && status >= 500
        if (!failure && !limited && !serverError) {
          options.onCall?.({
            call: req.call,
            outcome: status! >= 400 ? 'http_error' : 'ok',
            status: status!,
            durationMs: clock.now() - started
          })
          return response!
        }
        let retryAfterMs: number | undefined
        if (limited) {
          retryAfterMs = parseRetryAfter(response!.headers['retry-after'], clock.now()) ?? policy.defaultRetryAfterMs
          ;(req.limiter ?? options.limiter)?.pause(retryAfterMs)
        }
        // Two budgets: 429s (refused before any work, so any method) and other failures (idempotent calls only).
        if (limited) limitedAttempts++
        else failedAttempts++
        const canRetry = limited
          ? limitedAttempts <= policy.rateLimitedRetries
          : req.idempotent && failedAttempts <= policy.retries
        if (!canRetry) {
          counts.failures!++
          const error =
            failure ??
            new PlatformError({
              platform: options.platform,
              call: req.call,
              kind: limited ? 'rate_limited' : 'server',
              status: status!,
              details: response!.text.slice(0, 500),
              ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
              attempts: attempt + 1,
              message: limited ? 'rate limited' : 'server error'
            })
          options.onCall?.({
            call: req.call,
            outcome: error.kind,
            ...(status !== undefined ? { status } : {}),
            durationMs: clock.now() - started
          })
          throw error
        }
        counts.retries!++
        options.onCall?.({
          call: req.call,
          outcome: 'retried',
          ...(status !== undefined ? { status } : {}),
          durationMs: clock.now() - started
        })
        // After a 429 the limiter itself holds the next attempt back; otherwise back off here.
        if (!limited) await clock.sleep(backoff(failedAttempts - 1), cancel)
      }
    },
    async close() {
      await ownDispatcher?.close()
    },
    stats: () => ({ ...counts })
  }
}
