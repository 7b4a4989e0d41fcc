import { systemClock, type Clock } from '../transport/clock.js'
import type { RateLimiter } from '../transport/rateLimiter.js'
import type { BudgetClass } from './budget.js'

/**
 * Halo counts requests as they *arrive* in a rolling window
 * (docs/platforms/halopsa.md#rate-limits). A window counted when calls start lets arrivals bunch
 * up: a burst queued behind the connection pool arrives late, the next one early, and Halo sees
 * more than the limit in one window. So a call holds its slot while in flight and for `windowMs`
 * after it settles — its settling time is an upper bound on its arrival — which keeps every window
 * of arrivals within the limit whatever the network does. `settled()` must be called once per
 * granted call (the transport's onCall does).
 *
 * Two classes share the window (budget.ts): `tickets` may fill it and are granted before any
 * waiting background call; `background` stops short of the last `ticketReserve` of it.
 */

export type ArrivalWindow = RateLimiter & {
  settled(): void
  inFlight(): number
  /** The window as seen by one class of calls; `signal` aborts its waits, `onWait` hears of them. */
  forClass(budget: BudgetClass, options?: { signal?: AbortSignal; onWait?(untilMs: number): void }): RateLimiter
  /** Milliseconds a call of this class asked for now would wait (behind those already waiting). */
  waitMs(budget: BudgetClass): number
  /** Slots in use (in flight, or settled within the window), and how many only tickets may use. */
  usage(): { used: number; limit: number; windowMs: number; reservedForTickets: number }
}

type Waiter = { resolve(): void; reject(error: unknown): void; signal?: AbortSignal; onAbort?: () => void }

/** The slots background calls leave to tickets: `reserve` of the window, rounded up, at most all but one. */
export const reservedSlots = (limit: number, reserve: number): number =>
  Math.min(limit - 1, Math.max(0, Math.ceil(limit * reserve)))

export const createArrivalWindow = (options: {
  limit: number
  windowMs: number
  /** Share of the window background calls never use (0–0.9; default 0.2). */
  ticketReserve?: number
  clock?: Clock
}): ArrivalWindow => {
  if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError('limit must be a positive integer')
  if (!(options.windowMs > 0)) throw new RangeError('windowMs must be positive')
  const reserve = options.ticketReserve ?? 0.2
  if (!(reserve >= 0 && reserve <= 0.9)) throw new RangeError('ticketReserve must be between 0 and 0.9')
  const clock = options.clock ?? systemClock
  const reserved = reservedSlots(options.limit, reserve)
  const caps: Record<BudgetClass, number> = { tickets: options.limit, background: options.limit - reserved }
  const ends: number[] = []
  let head = 0
  let inFlight = 0
  let pausedUntil = 0
  let wakeAt: number | undefined
  let wake: AbortController | undefined
  const queues: Record<BudgetClass, Waiter[]> = { tickets: [], background: [] }
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

  /**
   * Milliseconds until a call of `budget` may start with `ahead` others granted before it;
   * Infinity when only calls still in flight could free the slot (they hold it a window after).
   */
  const delay = (budget: BudgetClass, ahead = 0) => {
    const paused = Math.max(0, pausedUntil - clock.now())
    const over = inFlight + recent() + ahead - caps[budget]
    if (over < 0) return paused
    const freedBy = head + over
    if (freedBy < ends.length) return Math.max(paused, ends[freedBy]! + options.windowMs - clock.now() + 1)
    return Infinity
  }

  const grant = (waiter: Waiter) => {
    if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort)
    inFlight++
    counts.granted++
    waiter.resolve()
  }

  const pump = () => {
    for (;;) {
      if (queues.tickets.length > 0 && delay('tickets') === 0) grant(queues.tickets.shift()!)
      else if (queues.tickets.length === 0 && queues.background.length > 0 && delay('background') === 0)
        grant(queues.background.shift()!)
      else break
    }
    const next = Math.min(
      queues.tickets.length > 0 ? delay('tickets') : Infinity,
      queues.background.length > 0 ? delay('background') : Infinity
    )
    // No timer outlives the last waiter (it would keep a stopping process alive for a window).
    if (queues.tickets.length + queues.background.length === 0) wake?.abort()
    if (next === Infinity) return
    // One timer, for the earliest grant: an earlier one replaces it.
    const at = clock.now() + next
    if (wakeAt !== undefined && wakeAt <= at && wakeAt > clock.now()) return
    wake?.abort()
    wakeAt = at
    const timer = (wake = new AbortController())
    void clock.sleep(next, timer.signal).then(
      () => {
        if (wakeAt === at) wakeAt = undefined
        pump()
      },
      () => {
        if (wakeAt === at) wakeAt = undefined
      }
    )
  }

  const waitMs = (budget: BudgetClass) => {
    const ahead = queues.tickets.length + (budget === 'background' ? queues.background.length : 0)
    const wait = delay(budget, ahead)
    // Calls in flight settle soon and then hold their slots for a window: a fair estimate.
    return wait === Infinity ? options.windowMs : wait
  }

  const acquire = (budget: BudgetClass, signal?: AbortSignal, onWait?: (untilMs: number) => void): Promise<void> => {
    if (signal?.aborted) return Promise.reject(signal.reason)
    const wait = waitMs(budget)
    if (wait > 0) counts.waited++
    const granted = new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject }
      if (signal) {
        waiter.signal = signal
        waiter.onAbort = () => {
          const queue = queues[budget]
          const i = queue.indexOf(waiter)
          if (i >= 0) queue.splice(i, 1)
          reject(signal.reason)
          pump()
        }
        signal.addEventListener('abort', waiter.onAbort, { once: true })
      }
      queues[budget].push(waiter)
      pump()
    })
    // Told once the waiter is queued: hearing of the wait may abort it at once (a skipped run).
    if (wait > 0) onWait?.(clock.now() + wait)
    return granted
  }

  const arrival: ArrivalWindow = {
    acquire: (signal) => acquire('tickets', signal),
    forClass: (budget, scope = {}) => ({
      acquire: (signal) => {
        const signals = [signal, scope.signal].filter((s): s is AbortSignal => s !== undefined)
        return acquire(budget, signals.length > 1 ? AbortSignal.any(signals) : signals[0], scope.onWait)
      },
      pause: (ms) => arrival.pause(ms),
      stats: () => arrival.stats()
    }),
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
    waitMs,
    usage: () => ({
      used: inFlight + recent(),
      limit: options.limit,
      windowMs: options.windowMs,
      reservedForTickets: reserved
    }),
    stats: () => ({ ...counts })
  }
  return arrival
}
