import t from 'tap'
import { timeSlices } from '../../src/runtime/timeSlices.js'

// Given a long loop paced by timeSlices, when a slice has run its time, then it yields: to the next
// turn of the event loop, or, with a share below 1, for long enough that the loop takes no more
// than that share of the event loop.

const busy = (ms: number) => {
  const until = performance.now() + ms
  while (performance.now() < until);
}

t.test('inside a slice nothing waits; after it, a turn of the event loop', async (t) => {
  const pace = timeSlices(1_000)
  t.equal(pace(), undefined, 'a slice of a second has not run yet')
  const quick = timeSlices(1)
  busy(2)
  let other = false
  setImmediate(() => (other = true))
  const turn = quick()
  t.ok(turn instanceof Promise)
  await turn
  t.ok(other, 'other work ran before the slice went on')
})

t.test('with a share, the pause after a slice is what keeps the loop to that share', async (t) => {
  const pace = timeSlices(5, 0.2)
  busy(6)
  const paused = performance.now()
  await pace()
  // At a fifth of the event loop, a slice of at least 6 ms is followed by at least 24 ms for the rest.
  t.ok(performance.now() - paused >= 23, `paused ${(performance.now() - paused).toFixed(1)} ms`)
  t.equal(pace(), undefined, 'a new slice starts after the pause')
})
