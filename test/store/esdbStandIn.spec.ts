import t, { type Test } from 'tap'
import {
  EventStoreDBClient,
  jsonEvent,
  START,
  streamNameFilter,
  eventTypeFilter,
  type Position
} from '@eventstore/db-client'
import { startEsdbStandIn } from '../support/esdbStandIn/index.js'
import { uniquePrefix } from '../support/storeFacts.js'

// The stand-in's own rules, through the raw client, where the adapter does not reach them
// (it never asks for checkpoints, nor appends with `any` twice on purpose).

const setUp = async (t: Test) => {
  const standIn = await startEsdbStandIn({ systemEventEvery: 0 })
  const client = EventStoreDBClient.connectionString(standIn.url)
  t.teardown(async () => {
    await client.dispose()
    await standIn.stop()
  })
  return { standIn, client }
}

t.test(
  'given a regex stream filter, when a subscription catches up past non-matching events, then checkpoints arrive at real event positions',
  async (t) => {
    const { standIn, client } = await setUp(t)
    const p = uniquePrefix()
    for (let i = 0; i < 70; i++)
      await client.appendToStream(`${p}noise-${i}`, jsonEvent({ type: 'Noise', data: { i } }))
    await client.appendToStream(`${p}wanted-1`, jsonEvent({ type: 'Wanted', data: {} }))
    const checkpoints: Position[] = []
    const sub = client.subscribeToAll({
      fromPosition: START,
      filter: streamNameFilter({
        regex: `^${p}wanted-`,
        checkpointInterval: 1,
        checkpointReached: (_s, position) => void checkpoints.push(position)
      })
    })
    const streams: string[] = []
    for await (const e of sub) {
      streams.push(e.event!.streamId)
      break
    }
    await sub.unsubscribe()
    t.same(streams, [`${p}wanted-1`])
    const positions = new Set(standIn.log.records().map((r) => r.position))
    t.ok(checkpoints.length >= 2, 'one per 32 events scanned before the match')
    t.ok(
      checkpoints.every((c) => c.commit === c.prepare && positions.has(c.commit)),
      'every checkpoint is the position of an event'
    )
  }
)

t.test('given an event type filter, when subscribing, then only that type arrives', async (t) => {
  const { client } = await setUp(t)
  const p = uniquePrefix()
  await client.appendToStream(`${p}1`, [
    jsonEvent({ type: 'Other', data: {} }),
    jsonEvent({ type: 'Kept', data: { n: 1 } })
  ])
  const sub = client.subscribeToAll({ fromPosition: START, filter: eventTypeFilter({ prefixes: ['Kept'] }) })
  for await (const e of sub) {
    t.equal(e.event!.type, 'Kept')
    break
  }
  await sub.unsubscribe()
})

t.test(
  'given the same ids appended twice with any, or half of them again, then the first is a repeat and the second a conflict',
  async (t) => {
    const { standIn, client } = await setUp(t)
    const s = `${uniquePrefix()}idem`
    const events = [jsonEvent({ type: 'A', data: {} }), jsonEvent({ type: 'B', data: {} })]
    const first = await client.appendToStream(s, events)
    t.same(await client.appendToStream(s, events), first, 'same ids with any: the original result')
    const partial = await client
      .appendToStream(s, [events[0]!, jsonEvent({ type: 'C', data: {} })], { expectedRevision: 'no_stream' })
      .catch((e: unknown) => e)
    t.match(partial, { type: 'wrong-expected-version', actualVersion: 1n }, 'a partial match is a conflict')
    t.equal(standIn.log.stream(s)!.length, 2)
  }
)

t.test(
  'given written streams and an open subscription, when the stand-in is reset, then only the system events remain and the subscription is dropped',
  async (t) => {
    const { standIn, client } = await setUp(t)
    const seeded = standIn.log.records().length
    const s = `${uniquePrefix()}gone`
    await client.appendToStream(s, jsonEvent({ type: 'A', data: {} }))
    const sub = client.subscribeToAll({ fromPosition: START })
    const dropped = new Promise<unknown>((resolve) => sub.on('error', resolve))
    await new Promise((resolve) => sub.once('caughtUp', resolve))
    standIn.reset()
    t.match(await dropped, { type: 'unavailable' }, 'the subscription ends with UNAVAILABLE')
    t.equal(standIn.log.records().length, seeded)
    const missing = await (async () => {
      for await (const _ of client.readStream(s)) {
        /* nothing */
      }
    })().catch((e: unknown) => e)
    t.match(missing, { type: 'stream-not-found' }, 'the written stream is gone')
  }
)
