import t, { type Test } from 'tap'
import { createProcessor, type Processor } from '../../src/services/processor.js'
import { retryLater } from '../../src/services/parkedFacts.js'
import { PlatformError } from '../../src/platforms/transport/errors.js'
import { StoreClosed } from '../../src/store/errors.js'
import type { EventStore, StoredFact } from '../../src/store/port.js'
import { openSqliteStore } from '../../src/store/sqlite/sqliteStore.js'
import { manualClock } from '../support/manualClock.js'
import { fact, waitFor } from '../support/storeFacts.js'

/**
 * The durable processor (src/services/processor.ts): checkpoints only when it has moved, parks a
 * fact its handler keeps failing on and moves on, waits out transient failures, lets an operator
 * retry a parked fact, and resumes exactly after its last checkpoint.
 */

type Handler = (fact: StoredFact) => Promise<void>

const quickBackoff = { minMs: 1, maxMs: 4 }

const setUp = (t: Test, store: EventStore = openSqliteStore({ path: ':memory:' })) => {
  t.teardown(() => store.close())
  const started: Processor[] = []
  t.teardown(async () => {
    for (const p of started) await p.stop()
  })
  const start = async (handle: Handler, options: Partial<Parameters<typeof createProcessor>[0]> = {}) => {
    const processor = createProcessor({ name: 'test', store, filter: { types: ['Work'] }, handle, ...options })
    await processor.start()
    started.push(processor)
    return processor
  }
  const work = async (...names: string[]) => {
    let position = 0n
    for (const name of names) position = (await store.append(`work-${name}`, [fact('Work', { name })])).position
    return position
  }
  const factsOf = (type: string) => store.readAll({ filter: { types: [type] } })
  return { store, start, work, factsOf }
}

const nameOf = (f: StoredFact) => (f.data as { name: string }).name

t.test('an idle processor checkpoints once after its work, on its own clock, then appends nothing', async (t) => {
  const { store, start, work, factsOf } = setUp(t)
  const clock = manualClock()
  const handled: string[] = []
  const processor = await start(async (f) => void handled.push(nameOf(f)), { clock })
  // Given start-up work: three facts handled,
  await processor.waitForPosition(await work('a', 'b', 'c'))
  t.same(handled, ['a', 'b', 'c'])

  // when two seconds of the processor's clock pass, it saves where it is, once,
  await clock.advance(2_000)
  const checkpoints = async () => (await factsOf('ProcessorCheckpointed')).map((f) => f.data)
  await waitFor(async () => (await checkpoints()).length > 0, {
    timeoutMs: 1_000,
    what: 'an idle checkpoint on the injected clock'
  })
  const head = await store.headPosition()
  t.same(await checkpoints(), [{ processor: 'test', position: '3' }], 'one checkpoint, after the work')

  // and then a minute with no traffic appends nothing (its own checkpoint is not work).
  for (let s = 0; s < 60; s += 2) {
    await clock.advance(2_000)
    await processor.waitForPosition(await store.headPosition())
  }
  t.equal(await store.headPosition(), head, 'no fact appended in 60 s of idle time')

  // New work is checkpointed again.
  await processor.waitForPosition(await work('d'))
  await clock.advance(2_000)
  await waitFor(async () => (await checkpoints()).length === 2, { what: 'the next checkpoint' })
  t.same((await checkpoints())[1], { processor: 'test', position: String(head + 1n) }, 'new work is checkpointed')
})

t.test('a fact the handler fails on the same way twice is parked, and the processor moves on', async (t) => {
  const { store, start, work, factsOf } = setUp(t)
  const handled: string[] = []
  const attempts = new Map<string, number>()
  const parkedCalls: string[] = []
  const processor = await start(
    async (f) => {
      attempts.set(nameOf(f), (attempts.get(nameOf(f)) ?? 0) + 1)
      // A value nested too deep for JSON.stringify fails every time, with the same error.
      if (nameOf(f) === 'poison') throw new RangeError('Maximum call stack size exceeded')
      handled.push(nameOf(f))
    },
    { backoff: quickBackoff, onParked: (p) => parkedCalls.push(p.factId) }
  )
  // Given a poison fact between two good ones, when the processor meets them,
  const head = await work('before', 'poison', 'after')
  await processor.waitForPosition(head)

  // then the facts after the poison are handled, and the poison is parked after two attempts,
  t.same(handled, ['before', 'after'])
  t.equal(attempts.get('poison'), 2)
  const [poison] = await store.readStream('work-poison')
  const [parkedFact] = await factsOf('FactParked')
  t.match(parkedFact, {
    stream: 'parkedFacts-test',
    data: {
      processor: 'test',
      position: String(poison!.position),
      factId: poison!.id,
      factType: 'Work',
      error: 'RangeError: Maximum call stack size exceeded',
      attempts: 2
    },
    metadata: { actor: 'relay' }
  })
  t.match(processor.parked(), [{ processor: 'test', factId: poison!.id, attempts: 2, outcome: 'failed' }])
  t.same(parkedCalls, [poison!.id], 'the metrics hook heard of it')
  t.equal(processor.stats().parked, 1)
})

t.test('a failure that changes every time is parked after five attempts', async (t) => {
  const { start, work } = setUp(t)
  let n = 0
  const processor = await start(
    async () => {
      throw new Error(`attempt ${++n}`)
    },
    { backoff: quickBackoff }
  )
  await processor.waitForPosition(await work('flaky'))
  t.equal(n, 5)
  t.match(processor.parked(), [{ attempts: 5, error: 'Error: attempt 5' }])
})

t.test('failures worth waiting out are retried until they pass, never parked', async (t) => {
  const { start, work, factsOf } = setUp(t)
  const failures = [
    ...Array.from(
      { length: 6 },
      () => new PlatformError({ platform: 'halopsa', call: 'POST /api/Tickets', kind: 'server', status: 503 })
    ),
    ...Array.from({ length: 6 }, () => retryLater(new Error('the read models are behind'))),
    ...Array.from({ length: 6 }, () => new StoreClosed())
  ]
  const handled: string[] = []
  const processor = await start(
    async (f) => {
      const failure = failures.shift()
      if (failure) throw failure
      handled.push(nameOf(f))
    },
    { backoff: quickBackoff }
  )
  await processor.waitForPosition(await work('slow'))
  t.same(handled, ['slow'], 'handled once they passed')
  t.same(processor.parked(), [])
  t.same(await factsOf('FactParked'), [])
})

t.test('an operator retries a parked fact: recorded with the actor, handed over again, refused twice', async (t) => {
  const { start, work, factsOf } = setUp(t)
  let fixed = false
  const handled: string[] = []
  const processor = await start(
    async (f) => {
      if (!fixed) throw new TypeError("Cannot read properties of undefined (reading 'id')")
      handled.push(nameOf(f))
    },
    { backoff: quickBackoff }
  )
  await processor.waitForPosition(await work('bug'))
  const [parked] = processor.parked()
  if (!parked) return t.fail('the fact should be parked')

  // When the handler is fixed and an operator retries the fact,
  fixed = true
  const retry = await processor.retryParked(parked.factId, { actor: 'alice', correlationId: 'request-1' })
  await processor.waitForPosition(retry.position)

  // then the retry is a fact naming the operator, the fact is handled, and nothing is parked.
  t.match(await factsOf('ParkedFactRetried'), [
    {
      stream: 'parkedFacts-test',
      data: { processor: 'test', factId: parked.factId, position: parked.position, factType: 'Work' },
      metadata: { actor: 'alice', correlationId: 'request-1' }
    }
  ])
  t.same(handled, ['bug'])
  t.same(processor.parked(), [])
  await t.rejects(processor.retryParked(parked.factId, { actor: 'alice', correlationId: 'request-2' }), {
    code: 'fact_not_parked'
  })
  await t.rejects(processor.retryParked('no-such-fact', { actor: 'alice', correlationId: 'request-3' }), {
    code: 'parked_fact_not_found'
  })
})

t.test('a retried fact that fails again is parked again', async (t) => {
  const { start, work, factsOf } = setUp(t)
  const processor = await start(
    async () => {
      throw new TypeError('still broken')
    },
    { backoff: quickBackoff }
  )
  await processor.waitForPosition(await work('bug'))
  const [parked] = processor.parked()
  const retry = await processor.retryParked(parked!.factId, { actor: 'alice', correlationId: 'r' })
  await processor.waitForPosition(retry.position)
  await waitFor(async () => (await factsOf('FactParked')).length === 2, { what: 'the fact parked again' })
  t.match(processor.parked(), [{ factId: parked!.factId, position: parked!.position }])
})

t.test('after a restart a parked fact stays parked and is not tried again', async (t) => {
  const { store, start, work } = setUp(t)
  const attempts: string[] = []
  const handler: Handler = async (f) => {
    attempts.push(nameOf(f))
    if (nameOf(f) === 'poison') throw new TypeError('bad data')
  }
  const first = await start(handler, { backoff: quickBackoff, checkpointEvery: 1_000 })
  await first.waitForPosition(await work('poison'))
  await first.stop()
  // The checkpoint of the first run is removed from the picture: the second run starts before
  // the poison, as after a crash that came before any checkpoint.
  const second = createProcessor({ name: 'test', store, filter: { types: ['Work'] }, handle: handler })
  t.teardown(() => second.stop())
  attempts.length = 0
  await second.start()
  t.match(second.parked(), [{ factType: 'Work' }], 'the parked fact is known at start')
  await second.waitForPosition(await work('after'))
  t.same(attempts, ['after'], 'the parked fact was not handed over again')
})

t.test('after a crash the processor hands over exactly the facts after its last checkpoint, in order', async (t) => {
  const { store, start, work, factsOf } = setUp(t)
  // A store that dies at once: nothing is written after the crash, the subscription ends.
  let crashed = false
  const dying: EventStore = {
    ...store,
    kind: store.kind,
    append: (stream, facts, options) =>
      crashed ? Promise.reject(new StoreClosed()) : store.append(stream, facts, options),
    subscribeToAll(options) {
      const subscription = store.subscribeToAll(options)
      return Object.assign(
        (async function* () {
          for await (const f of subscription) {
            if (crashed) throw new StoreClosed()
            yield f
          }
        })(),
        { unsubscribe: () => subscription.unsubscribe(), caughtUp: subscription.caughtUp }
      )
    }
  }
  const firstRun: string[] = []
  const first = createProcessor({
    name: 'test',
    store: dying,
    filter: { types: ['Work'] },
    handle: async (f) => void firstRun.push(nameOf(f)),
    checkpointEvery: 3
  })
  await first.start()
  await first.waitForPosition(await work('1', '2', '3', '4', '5'))
  const [checkpointed] = await factsOf('ProcessorCheckpointed')
  t.ok(checkpointed, 'a checkpoint after the third fact')
  crashed = true
  await first.stop()
  t.same(firstRun, ['1', '2', '3', '4', '5'])

  const secondRun: string[] = []
  const second = await start(async (f) => void secondRun.push(nameOf(f)))
  await second.waitForPosition(await work('6'))
  t.same(secondRun, ['4', '5', '6'], 'the facts after the checkpoint, once each, in order')
})
