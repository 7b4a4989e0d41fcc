import { systemClock, type Clock } from '../../src/platforms/transport/clock.js'

/**
 * The simulator's time: a base clock plus an offset that tests and the demo can push forward, so
 * rules measured in hours (the push service's 3-hour auto-disable) can be exercised in milliseconds.
 */
export type SimClock = Clock & {
  advance(ms: number): void
  offsetMs(): number
}

export const createSimClock = (base: Clock = systemClock): SimClock => {
  let offset = 0
  return {
    now: () => base.now() + offset,
    sleep: (ms, signal) => base.sleep(ms, signal),
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError('time only moves forward')
      offset += ms
    },
    offsetMs: () => offset
  }
}
