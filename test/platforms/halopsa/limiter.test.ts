import t from 'tap'
import type { Clock } from '../../../src/platforms/transport/clock.js'
import { createArrivalWindow } from '../../../src/platforms/halopsa/limiter.js'

/** A clock that only moves when told to; sleepers wake as it passes their time. */
const manualClock = () => {
  let now = 0
  const sleepers: { at: number; wake(): void }[] = []
  const clock: Clock & { advance(ms: number): Promise<void> } = {
    now: () => now,
    sleep: (ms) => new Promise<void>((wake) => sleepers.push({ at: now + ms, wake })),
    async advance(ms) {
      now += ms
      for (const s of sleepers.filter((x) => x.at <= now)) {
        sleepers.splice(sleepers.indexOf(s), 1)
        s.wake()
      }
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  return clock
}

const flush = () => new Promise((resolve) => setImmediate(resolve))

t.test('a slot is held while the call is in flight and for the window after it settles', async (t) => {
  const clock = manualClock()
  const window = createArrivalWindow({ limit: 2, windowMs: 1000, clock })
  const granted: number[] = []
  for (let i = 0; i < 4; i++) void window.acquire().then(() => granted.push(i))
  await flush()
  t.same(granted, [0, 1], 'two at once')

  await clock.advance(5000)
  t.same(granted, [0, 1], 'time alone frees nothing while both are in flight')

  window.settled()
  await flush()
  t.same(granted, [0, 1], 'a settled call still counts for a window after it settled')
  await clock.advance(999)
  t.same(granted, [0, 1])
  await clock.advance(2)
  t.same(granted, [0, 1, 2], 'freed one window after settling')
  t.equal(window.inFlight(), 2)
})

t.test('a pause holds every caller back, even with free slots', async (t) => {
  const clock = manualClock()
  const window = createArrivalWindow({ limit: 10, windowMs: 1000, clock })
  window.pause(300)
  let granted = false
  void window.acquire().then(() => (granted = true))
  await clock.advance(299)
  t.notOk(granted)
  await clock.advance(1)
  t.ok(granted)
  t.match(window.stats(), { granted: 1, waited: 1, paused: 1 })
})

t.test('an aborted waiter leaves the queue', async (t) => {
  const window = createArrivalWindow({ limit: 1, windowMs: 1000, clock: manualClock() })
  await window.acquire()
  const controller = new AbortController()
  const waiting = window.acquire(controller.signal)
  controller.abort(new Error('gave up'))
  await t.rejects(waiting, /gave up/)
  t.throws(() => createArrivalWindow({ limit: 0, windowMs: 1 }), RangeError)
})
