import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises'

/**
 * A pace for long loops on the event loop: answers nothing while a slice of `sliceMs` lasts, then a
 * promise of the next turn of the event loop (other requests run in between), after which a new
 * slice starts. `await pace()` costs nothing inside a slice.
 *
 * `share` below 1 paces background work to that share of the event loop: after a slice that ran
 * `d` ms, the next starts `d × (1/share − 1)` ms later (at 0.05, a 4 ms slice then 76 ms for
 * everything else).
 */
export const timeSlices = (sliceMs: number, share = 1): (() => Promise<void> | undefined) => {
  let started = performance.now()
  return () => {
    const ran = performance.now() - started
    if (ran < sliceMs) return undefined
    const pause = share < 1 ? ran * (1 / share - 1) : 0
    return (pause >= 1 ? sleep(pause) : nextTurn()).then(() => {
      started = performance.now()
    })
  }
}
