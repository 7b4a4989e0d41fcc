import t, { type Test } from 'tap'
import { streams } from '../../../src/domain/streams.js'
import { namedEventTypes, subscribableEventTypes } from '../../../src/platforms/gravityzone/modules.js'
import { createHaloPsaClient } from '../../../src/platforms/halopsa/client.js'
import { createPushService, pushEventTypes } from '../../../src/services/pushService.js'
import { openSqliteStore } from '../../../src/store/sqlite/sqliteStore.js'
import { startHaloPsaSimulator } from '../../../simulators/halopsa/server.js'
import type { GravityZoneSimulator } from '../../../simulators/gravityzone/server.js'
import { connect, failure, startSimulator } from './support.js'

/**
 * The push subscription the relay asks GravityZone for (docs/platforms/gravityzone-fidelity.md, G8,
 * G9): only keys a public source uses, one retry without the keys GravityZone names when it refuses,
 * a fact saying which were dropped, and any result accepted once the settings are stored.
 */

const pushAuthorization = 'Bearer push-secret-0123456789'

/** GravityZone refuses the next setPushEventSettings with "Invalid params" and these details. */
const refuseOnce = (sim: GravityZoneSimulator, details: string) =>
  sim.faults.add({
    match: 'POST /api/v1.0/jsonrpc/push setPushEventSettings',
    status: 400,
    body: { id: 1, jsonrpc: '2.0', error: { code: -32602, message: 'Invalid params', data: { details } } },
    count: 1
  })

const setUp = async (t: Test) => {
  const sim = await startSimulator(t)
  const halo = await startHaloPsaSimulator({ clientId: 'relay', clientSecret: 'halo-secret-0123' })
  t.teardown(() => halo.close())
  const halopsa = createHaloPsaClient({ url: halo.url, clientId: 'relay', clientSecret: 'halo-secret-0123' })
  t.teardown(() => halopsa.close())
  const store = openSqliteStore({ path: ':memory:' })
  t.teardown(() => store.close())
  const gravityzone = connect(t, sim)
  const warnings: { obj: object; msg: string }[] = []
  const push = createPushService({
    store,
    gravityzone,
    halopsa,
    pushAuthorization,
    publicUrl: 'http://127.0.0.1:4000',
    haloWebhook: { user: 'halopsa', password: 'webhook-password-1234' },
    logger: { info: () => {}, error: () => {}, warn: (obj, msg) => void warnings.push({ obj, msg: msg ?? '' }) }
  })
  const facts = async (type: string) =>
    (await store.readStream(streams.pushService()).catch(() => [])).filter((f) => f.type === type)
  return { sim, gravityzone, push, facts, warnings }
}

t.test('the relay subscribes only to published event types, every security one it can', async (t) => {
  const keys = Object.keys(pushEventTypes)
  t.same(
    keys.filter((key) => !(subscribableEventTypes as readonly string[]).includes(key)),
    [],
    'every key is in a public list'
  )
  t.notOk(keys.includes('device-control'))
  t.notOk(keys.includes('storage-antimalware'))
  for (const module of ['av', 'hd', 'avc', 'aph', 'fw', 'dp', 'uc', 'antiexploit', 'new-incident'])
    t.ok(keys.includes(module), `${module} is subscribed`)
})

t.test('given a simulator that refuses unpublished keys, registration stores every key at once', async (t) => {
  const { sim, gravityzone, push, facts } = await setUp(t)
  await push.register()
  t.equal(sim.calls.of('push.setPushEventSettings'), 1)
  const stored = await gravityzone.getPushEventSettings()
  t.same(stored.subscribeToEventTypes, pushEventTypes)
  t.same(await facts('PushSubscriptionKeysDropped'), [])
  t.same(push.droppedEventTypes(), [])
})

t.test('given GravityZone refuses a key by name, the relay subscribes without it and records it', async (t) => {
  const { sim, gravityzone, push, facts, warnings } = await setUp(t)
  // A refusal that (improbably) echoes the authorization: it must not reach the fact.
  refuseOnce(sim, `Invalid value for 'subscribeToEventTypes.partner-changed' (${pushAuthorization})`)

  await push.register()

  t.equal(sim.calls.of('push.setPushEventSettings'), 2, 'one retry')
  const stored = await gravityzone.getPushEventSettings()
  t.notOk('partner-changed' in (stored.subscribeToEventTypes ?? {}))
  t.equal(stored.subscribeToEventTypes?.av, true)
  const [dropped, ...more] = await facts('PushSubscriptionKeysDropped')
  t.same(more, [])
  t.match(dropped?.data, { dropped: ['partner-changed'], reason: /partner-changed/ })
  t.notOk(JSON.stringify(dropped?.data).includes('push-secret'), 'no secret in the fact')
  t.notOk((dropped?.data as { subscribed: string[] }).subscribed.includes('partner-changed'))
  t.match(warnings, [{ obj: { dropped: ['partner-changed'] } }])
  t.same(push.droppedEventTypes(), ['partner-changed'], 'what the status shows')
})

t.test('given a refusal that names no event type, registration fails and nothing is retried', async (t) => {
  const { sim, push, facts } = await setUp(t)
  refuseOnce(sim, "Invalid value for 'serviceSettings.url'")
  t.match(await failure(push.register()), { kind: 'rejected' })
  t.equal(sim.calls.of('push.setPushEventSettings'), 1)
  t.same(await facts('PushSubscriptionKeysDropped'), [])
})

t.test('given a result of an unknown shape, registration goes on and the answer is logged', async (t) => {
  const { sim, push, warnings } = await setUp(t)
  sim.faults.add({
    match: 'POST /api/v1.0/jsonrpc/push setPushEventSettings',
    status: 200,
    body: { id: 1, jsonrpc: '2.0', result: { queued: 'yes' } },
    count: 1
  })
  t.same(await push.register(), { push: true, halopsa: true })
  t.match(warnings, [{ obj: { answer: '{"queued":"yes"}' }, msg: /unexpected result/ }])
})

t.test('an error text names an event type only as a whole word', async (t) => {
  const sent = ['av', 'hd', 'device-control', 'network-monitor', 'modules']
  t.same(namedEventTypes("Invalid value for 'subscribeToEventTypes.device-control'", sent), ['device-control'])
  t.same(namedEventTypes('unknown event types: hd, network-monitor', sent), ['hd', 'network-monitor'])
  t.same(namedEventTypes('The service is not available for this company', sent), [], "not the 'av' in available")
  t.same(namedEventTypes('device-control-extra is unknown', sent), [])
})
