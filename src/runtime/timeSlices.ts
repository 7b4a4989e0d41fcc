import { setImmediate as nextTurn } from 'node:timers/promises'

/**
 * A pace for long loops on the event loop: answers nothing while a slice of `sliceMs` lasts, then a
 * promise of the next turn of the event loop (other requests run in between), after which a new
 * slice starts. `await pace()` costs nothing inside a slice.
 */
export const timeSlices = (sliceMs: number): (() => Promise<void> | undefined) => {
  let started = performance.now()
  return () => {
    if (performance.now() - started < sliceMs) return undefined
    return nextTurn().then(() => {
      started = performance.now()
    })
  }
}
