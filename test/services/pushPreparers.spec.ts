import t from 'tap'
import { readFileSync } from 'node:fs'
import { pushBody } from '../../bench/support/bodies.js'
import { preparePush } from '../../src/services/pushPreparation.js'
import { createPushPreparers } from '../../src/services/pushPreparers.js'

// A large batch, a batch with invalid events, and every published push fixture.
const mixed = JSON.stringify({
  jsonrpc: '2.0',
  method: 'addEvents',
  params: {
    events: [
      { module: 'av', companyId: 'c1', computer_id: 'e1', malware_name: 'X' },
      null,
      { module: 'modules', companyId: 'c1' },
      'text',
      { companyId: 'no-module' }
    ]
  },
  id: 1700000000000
})
const fixtureDir = new URL('../fixtures/gravityzone/', import.meta.url)
const fixtures = readFileSync(new URL('push-samples.jsonl', fixtureDir), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => Buffer.from(line))
const bodies = [
  Buffer.from(pushBody(1, 0, 50)),
  Buffer.from(mixed),
  Buffer.from('not json'),
  Buffer.from('{"method":"other"}'),
  ...fixtures
]

t.test('a preparation thread gives exactly what preparing on the event loop gives', async (t) => {
  const preparers = createPushPreparers({ threads: 1, minBytes: 0 })
  t.teardown(() => preparers.close())
  for (const body of bodies) t.strictSame(await preparers.prepare(body), preparePush(body))
  // Views into a larger buffer are sent as their own bytes only.
  const shared = Buffer.concat([Buffer.from('xxxx'), bodies[0]!, Buffer.from('yyyy')])
  t.strictSame(await preparers.prepare(shared.subarray(4, 4 + bodies[0]!.length)), preparePush(bodies[0]!))
})

t.test('the data of a prepared fact is its JSON, with the event keys sorted', async (t) => {
  const prepared = preparePush(Buffer.from(mixed))
  if (!prepared.ok) return t.fail('the mixed batch should be an addEvents envelope')
  t.match(prepared, { security: 1, platform: 1, invalid: 3, stream: /^gzDelivery-/ })
  const first = JSON.parse(prepared.facts[0]!.data) as { event: Record<string, unknown> }
  t.strictSame(Object.keys(first.event), ['companyId', 'computer_id', 'malware_name', 'module'])
  t.strictSame(
    prepared.facts.map((f) => f.type),
    ['SecurityEventReceived', 'PushEventInvalid', 'PlatformEventReceived', 'PushEventInvalid', 'PushEventInvalid']
  )
})

t.test('small bodies stay on the event loop, and a failed thread leaves the work to it', async (t) => {
  const preparers = createPushPreparers({ threads: 1 })
  t.teardown(() => preparers.close())
  t.strictSame(await preparers.prepare(bodies[1]!), preparePush(bodies[1]!), 'below the size threshold')
  // A thread that dies with work in hand: that work and everything after is prepared inline.
  const broken = createPushPreparers({ threads: 1, minBytes: 0 })
  const pending = Array.from({ length: 20 }, () => broken.prepare(bodies[0]!))
  await broken.close()
  for (const p of await Promise.all(pending)) t.strictSame(p, preparePush(bodies[0]!))
  t.strictSame(await broken.prepare(bodies[0]!), preparePush(bodies[0]!), 'after close, inline')
})

t.test('a body that cannot be prepared after its thread failed fails its own request, and nothing else', async (t) => {
  // A body whose bytes cannot be read on the event loop (its buffer getter throws), sent to a
  // thread that is closed with it in hand: the fallback prepares it inline and fails.
  class Unreadable extends Uint8Array {
    override get buffer(): ArrayBuffer {
      throw new Error('these bytes cannot be read')
    }
  }
  const preparers = createPushPreparers({ threads: 1, minBytes: 0 })
  const unreadable = preparers.prepare(new Unreadable(bodies[0]!)).then(
    () => 'prepared',
    (error: Error) => error.message
  )
  const fine = preparers.prepare(bodies[0]!)
  await preparers.close()
  t.equal(await unreadable, 'these bytes cannot be read', 'its request fails')
  t.strictSame(await fine, preparePush(bodies[0]!), 'the other body in hand is prepared')
})
