import { systemClock, type Clock } from '../transport/clock.js'
import type { RateLimiter } from '../transport/rateLimiter.js'

/**
 * Halo counts requests as they *arrive* in a rolling window
 * (docs/platforms/halopsa.md#rate-limits). A window counted when calls start lets arrivals bunch
 * up: a burst queued behind the connection pool arrives late, the next one early, and Halo sees
 * more than the limit in one window. So a call holds its slot while in flight and for `windowMs`
 * after it settles — its settling time is an upper bound on its arrival — which keeps every window
 * of arrivals within the limit whatever the network does. `settled()` must be called once per
 * granted call (the transport's onCall does).
 */

export type ArrivalWindow = RateLimiter & {
  settled(): void
  inFlight(): number
}

type Waiter = { resolve(): void; reject(error: unknown): void; signal?: AbortSignal; onAbort?: () => void }

export const createArrivalWindow = (options: { limit: number; windowMs: number; clock?: Clock }): ArrivalWindow => {
  if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError('limit must be a positive integer')
  if (!(options.windowMs > 0)) throw new RangeError('windowMs must be positive')
  const clock = options.clock ?? systemClock
  const ends: number[] = []
  let head = 0
  let inFlight = 0
  let pausedUntil = 0
  let sleeping = false
  const waiters: Waiter[] = []
  const counts = { granted: 0, waited: 0, paused: 0 }

  const recent = () => {
    const cutoff = clock.now() - options.windowMs
    while (head < ends.length && ends[head]! <= cutoff) head++
    if (head > 1024 && head * 2 > ends.length) {
      ends.splice(0, head)
      head = 0
    }
    return ends.length - head
  }

  /** Milliseconds until the next grant; Infinity = only a settling call can free a slot. */
  const delay = () => {
    const paused = pausedUntil - clock.now()
    if (inFlight + recent() < options.limit) return Math.max(0, paused)
    if (head < ends.length) return Math.max(paused, ends[head]! + options.windowMs - clock.now() + 1)
    return Infinity
  }

  const pump = () => {
    while (waiters.length > 0) {
      const wait = delay()
      if (wait > 0) {
        if (wait !== Infinity && !sleeping) {
          sleeping = true
          void clock.sleep(wait).then(() => {
            sleeping = false
            pump()
          })
        }
        return
      }
      const next = waiters.shift()!
      if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort)
      inFlight++
      counts.granted++
      next.resolve()
    }
  }

  return {
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason)
      if (waiters.length > 0 || delay() > 0) counts.waited++
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = { resolve, reject }
        if (signal) {
          waiter.signal = signal
          waiter.onAbort = () => {
            const i = waiters.indexOf(waiter)
            if (i >= 0) waiters.splice(i, 1)
            reject(signal.reason)
          }
          signal.addEventListener('abort', waiter.onAbort, { once: true })
        }
        waiters.push(waiter)
        pump()
      })
    },
    settled() {
      if (inFlight === 0) return
      inFlight--
      ends.push(clock.now())
      pump()
    },
    pause(ms) {
      counts.paused++
      pausedUntil = Math.max(pausedUntil, clock.now() + ms)
    },
    inFlight: () => inFlight,
    stats: () => ({ ...counts })
  }
}
