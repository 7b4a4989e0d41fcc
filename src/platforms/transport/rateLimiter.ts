import { systemClock, type Clock } from './clock.js'

/**
 * Client-side rate limits, one limiter per budget and shared by every caller of a platform, so the
 * relay as a whole stays inside what the platform publishes
 * (docs/platforms/gravityzone.md#rate-limits, docs/platforms/halopsa.md#rate-limits). Waiters are
 * served in order. `pause` holds every caller back after a 429, since one caller being throttled
 * means all of them are.
 */
export type RateLimiter = {
  acquire(signal?: AbortSignal): Promise<void>
  /** Nobody starts a call before `now + ms`. */
  pause(ms: number): void
  stats(): { granted: number; waited: number; paused: number }
}

type Grant = { resolve(): void; reject(error: unknown): void; signal?: AbortSignal; onAbort?: () => void }

/**
 * A FIFO of waiters and a function telling how long until the next grant is allowed (0 = now).
 * HaloPSA's limiter counts calls as they settle, not as they start, so it has its own queue
 * (halopsa/limiter.ts).
 */
const fifoLimiter = (clock: Clock, delayUntilNext: () => number, onGrant: () => void): RateLimiter => {
  const queue: Grant[] = []
  let pausedUntil = 0
  let pumping = false
  let granted = 0
  let waited = 0
  let paused = 0

  const pump = async () => {
    if (pumping) return
    pumping = true
    try {
      while (queue.length > 0) {
        const wait = Math.max(pausedUntil - clock.now(), delayUntilNext())
        if (wait > 0) {
          await clock.sleep(wait)
          continue
        }
        const next = queue.shift()!
        if (next.signal?.aborted) continue
        if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort)
        onGrant()
        granted++
        next.resolve()
      }
    } finally {
      pumping = false
    }
  }

  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason)
      if (queue.length === 0 && pausedUntil <= clock.now() && delayUntilNext() <= 0) {
        onGrant()
        granted++
        return Promise.resolve()
      }
      waited++
      return new Promise<void>((resolve, reject) => {
        const grant: Grant = { resolve, reject }
        if (signal) {
          grant.signal = signal
          grant.onAbort = () => {
            const i = queue.indexOf(grant)
            if (i >= 0) queue.splice(i, 1)
            reject(signal.reason)
          }
          signal.addEventListener('abort', grant.onAbort, { once: true })
        }
        queue.push(grant)
        void pump()
      })
    },
    pause(ms) {
      paused++
      pausedUntil = Math.max(pausedUntil, clock.now() + ms)
    },
    stats: () => ({ granted, waited, paused })
  }
}

/** `limit` calls per `intervalMs`, spread evenly, with up to `burst` at once (GravityZone's tiers). */
export const createTokenBucket = (options: {
  limit: number
  intervalMs: number
  burst?: number
  clock?: Clock
}): RateLimiter => {
  const clock = options.clock ?? systemClock
  const capacity = options.burst ?? options.limit
  const refillPerMs = options.limit / options.intervalMs
  let tokens = capacity
  let last = clock.now()
  const refill = () => {
    const now = clock.now()
    tokens = Math.min(capacity, tokens + (now - last) * refillPerMs)
    last = now
  }
  return fifoLimiter(
    clock,
    () => {
      refill()
      return tokens >= 1 ? 0 : Math.ceil((1 - tokens) / refillPerMs)
    },
    () => {
      refill()
      tokens -= 1
    }
  )
}
