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

t.test('background calls leave the reserve to tickets, which may fill the window', async (t) => {
  const clock = manualClock()
  // Given a window of 10 with the default 20% reserve
  const window = createArrivalWindow({ limit: 10, windowMs: 1000, clock })
  const background = window.forClass('background')
  const tickets = window.forClass('tickets')
  let polls = 0
  for (let i = 0; i < 10; i++) void background.acquire().then(() => polls++)
  await flush()
  // When background calls ask for ten slots, then they get eight
  t.equal(polls, 8, 'background stops at 80% of the window')
  t.same(window.usage(), { used: 8, limit: 10, windowMs: 1000, reservedForTickets: 2 })
  // and tickets still get the last two at once
  let ticketsGranted = 0
  for (let i = 0; i < 3; i++) void tickets.acquire().then(() => ticketsGranted++)
  await flush()
  t.equal(ticketsGranted, 2, 'tickets use the reserve')
  t.equal(window.waitMs('tickets'), 1000, 'with every slot in flight, the next ticket expects about a window')
})

t.test('a waiting ticket is served before waiting background calls', async (t) => {
  const clock = manualClock()
  const window = createArrivalWindow({ limit: 5, windowMs: 1000, ticketReserve: 0, clock })
  const order: string[] = []
  for (let i = 0; i < 5; i++) await window.forClass('background').acquire()
  for (let i = 0; i < 5; i++) window.settled()
  // Given a full window and two polls waiting
  void window
    .forClass('background')
    .acquire()
    .then(() => order.push('poll 1'))
  void window
    .forClass('background')
    .acquire()
    .then(() => order.push('poll 2'))
  await clock.advance(100)
  // When a ticket arrives after them
  void window
    .forClass('tickets')
    .acquire()
    .then(() => order.push('ticket'))
  await flush()
  t.same(order, [], 'nothing is free yet')
  // Then the first slot that frees goes to the ticket
  await clock.advance(901)
  t.same(order.slice(0, 1), ['ticket'])
  t.same(order.sort(), ['poll 1', 'poll 2', 'ticket'].sort(), 'the polls follow as slots free')
})

t.test('a waiting call says until when it expects to wait, and a scope signal aborts the wait', async (t) => {
  const clock = manualClock()
  const window = createArrivalWindow({ limit: 2, windowMs: 60_000, ticketReserve: 0.5, clock })
  await window.forClass('background').acquire()
  window.settled()
  // Given the one background slot used, and a waiting call that reports its wait
  const waits: number[] = []
  const controller = new AbortController()
  const waiting = window
    .forClass('background', { signal: controller.signal, onWait: (until) => waits.push(until) })
    .acquire()
  t.same(waits, [60_001], 'it expects the slot one window after the last call settled')
  t.ok(window.waitMs('background') >= 60_000, 'and a later caller at least a window')
  t.equal(window.waitMs('tickets'), 0, 'while a ticket would not wait at all')
  // When the scope is aborted (the job skipped or stopped), the wait ends
  controller.abort(new Error('skipped'))
  await t.rejects(waiting, /skipped/)
  t.equal(window.waitMs('background'), 60_001)
})

t.test('the reserve is bounded: at most all slots but one, never negative', async (t) => {
  t.throws(() => createArrivalWindow({ limit: 10, windowMs: 1000, ticketReserve: 0.95 }), RangeError)
  t.equal(createArrivalWindow({ limit: 1, windowMs: 1000 }).usage().reservedForTickets, 0)
  t.equal(createArrivalWindow({ limit: 250, windowMs: 1000 }).usage().reservedForTickets, 50)
  t.equal(createArrivalWindow({ limit: 20, windowMs: 1000, ticketReserve: 0 }).usage().reservedForTickets, 0)
})

t.test('a caller that gives up on hearing how long it would wait leaves the queue at once', async (t) => {
  const clock = manualClock()
  const window = createArrivalWindow({ limit: 2, windowMs: 60_000, ticketReserve: 0.5, clock })
  await window.forClass('background').acquire()
  window.settled()
  const controller = new AbortController()
  const skipping = window
    .forClass('background', { signal: controller.signal, onWait: () => controller.abort(new Error('skipped')) })
    .acquire()
  await t.rejects(skipping, /skipped/)
  let later = false
  void window
    .forClass('background')
    .acquire()
    .then(() => (later = true))
  await clock.advance(60_001)
  t.ok(later, 'the next caller is not stuck behind it')
})
