import type { Clock } from '../../src/platforms/transport/clock.js'

/**
 * A clock that only moves when told to: sleepers wake as it passes their time, or when their
 * signal aborts. `advance` lets the woken ones run before it resolves.
 */
export const manualClock = (start = Date.UTC(2026, 0, 1)) => {
  let now = start
  const sleepers = new Set<{ at: number; wake(): void }>()
  const clock: Clock & { advance(ms: number): Promise<void>; sleepers(): number } = {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason)
        const onAbort = () => {
          sleepers.delete(sleeper)
          reject(signal!.reason)
        }
        // A sleeper that wakes takes its abort listener with it, so a long-lived signal does not
        // collect one per sleep.
        const sleeper = {
          at: now + ms,
          wake: () => {
            signal?.removeEventListener('abort', onAbort)
            resolve()
          }
        }
        sleepers.add(sleeper)
        signal?.addEventListener('abort', onAbort, { once: true })
      }),
    async advance(ms) {
      now += ms
      for (const sleeper of [...sleepers].filter((s) => s.at <= now)) {
        sleepers.delete(sleeper)
        sleeper.wake()
      }
      await new Promise((resolve) => setImmediate(resolve))
    },
    sleepers: () => sleepers.size
  }
  return clock
}
