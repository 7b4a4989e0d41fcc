import t, { type Test } from 'tap'
import { streams } from '../../src/domain/streams.js'
import { createHaloWebhookRegistration } from '../../src/services/haloWebhook.js'
import { openSqliteStore } from '../../src/store/sqlite/sqliteStore.js'
import { startPair } from '../platforms/halopsa/harness.js'

/** The relay's HaloPSA webhook: registered with what is known, read back, and what it lacks recorded once. */

const url = 'https://relay.example.com/webhooks/halopsa'
const credentials = { user: 'halopsa', password: 'webhook-password-123456' }

const setUp = async (t: Test) => {
  const { sim, client } = await startPair(t)
  const store = openSqliteStore({ path: ':memory:' })
  t.teardown(() => store.close())
  const registration = createHaloWebhookRegistration({
    store,
    halopsa: client,
    now: () => new Date('2026-12-01T09:00:00Z'),
    credentials
  })
  const facts = async () => (await store.readStream(streams.haloWebhook())).map((f) => [f.type, f.data])
  return { sim, client, registration, facts }
}

t.test('registered through the API, the webhook lacks its event until an operator picks it', async (t) => {
  const { sim, registration, facts } = await setUp(t)
  t.same(registration.state(), { status: 'unchecked' })
  const first = await registration.register(url)
  t.match(first, { status: 'incomplete', url, missing: ['ticket-status-event'] })
  const webhookId = (first as { webhookId: string }).webhookId
  const row = sim.state.data().webhooks.get(webhookId)!
  t.match(row, { url, basic_username: 'halopsa', content_type: 'application/json', active: true })
  t.notOk('method' in row || 'payload_type' in row, 'no code Halo has not published is sent')

  t.match(await registration.check(), { status: 'incomplete' })
  t.equal((await facts()).length, 1, 'the same finding is recorded once')
  t.equal(sim.state.data().webhooks.rows.size, 2, 'not registered twice (beside the seeded runbook)')

  sim.state.finishWebhook(webhookId)
  t.match(await registration.check(), { status: 'complete', webhookId })
  t.same(await facts(), [
    ['HaloWebhookRegistrationIncomplete', { url, webhookId, missing: ['ticket-status-event'] }],
    ['HaloWebhookRegistrationComplete', { url, webhookId }]
  ])
  t.notMatch(JSON.stringify(await facts()), credentials.password)
})

t.test('a webhook switched off or with another Basic user is incomplete too', async (t) => {
  const { sim, registration } = await setUp(t)
  const id = sim.state.createWebhook({ name: 'relay', url, username: 'someone-else', password: 'x' })
  t.match(await registration.register(url), { status: 'incomplete', webhookId: id, missing: ['basic-auth'] })
  Object.assign(sim.state.data().webhooks.get(id)!, { basic_username: 'halopsa', active: false })
  t.match(await registration.check(), { status: 'incomplete', missing: ['active'] })
})

t.test('a webhook created by hand beforehand is found by its URL and needs nothing', async (t) => {
  const { sim, registration, facts } = await setUp(t)
  const id = sim.state.createWebhook({ name: 'by hand', url: `${url}/`, username: 'halopsa', password: 'p' })
  t.match(await registration.register(url), { status: 'complete', webhookId: id })
  t.equal(sim.state.calls.count('POST /api/Webhook'), 0)
  t.match(await facts(), [['HaloWebhookRegistrationComplete', { webhookId: id }]])
})

t.test('HaloPSA refusing the webhook is recorded (without the password); a transient failure is thrown', async (t) => {
  const { sim, registration, facts } = await setUp(t)
  sim.faults.add({
    match: 'POST /api/Webhook',
    status: 400,
    body: { '[0].basic_password': `rejected ${credentials.password}` },
    count: 1
  })
  t.match(await registration.register(url), {
    status: 'incomplete',
    missing: ['webhook'],
    message: /refused to create the webhook/
  })
  t.notMatch(JSON.stringify(await facts()), credentials.password)
  t.match(await facts(), [['HaloWebhookRegistrationIncomplete', { missing: ['webhook'] }]])

  sim.faults.add({ match: 'GET /api/Webhook', status: 503 })
  const failed = await registration.check().then(
    () => undefined,
    (error: unknown) => error
  )
  t.match(failed, { kind: 'server', call: 'GET /api/Webhook' })
})
