import t, { type Test } from 'tap'
import type { TicketingConfiguration } from '../../src/domain/facts.js'
import { createGravityZoneClient } from '../../src/platforms/gravityzone/client.js'
import { createHaloPsaClient } from '../../src/platforms/halopsa/client.js'
import { createDoctor, doctorChecks, type DoctorDeps } from '../../src/services/doctor.js'
import { failingOutcomes, formatReport, type DoctorReport } from '../../src/services/doctorReport.js'
import { startGravityZoneSimulator } from '../../simulators/gravityzone/server.js'
import { startHaloPsaSimulator } from '../../simulators/halopsa/server.js'

/**
 * The doctor against both simulators (demo tenants): every check passes, only reads reach either
 * platform, and an answer of the wrong shape, a refused token or a missing ticket type is reported
 * on its own row with the field, the status or the problem.
 */

const gzKey = 'gz-doctor-key-0123456789'
const halo = { clientId: 'relay', clientSecret: 'halo-doctor-secret-0123' }
const quick = { retries: 1, minDelayMs: 5, maxDelayMs: 20, defaultRetryAfterMs: 20 }

const setUp = async (t: Test, deps: Partial<DoctorDeps> = {}) => {
  const gzSim = await startGravityZoneSimulator({ apiKey: gzKey, seed: 'demo', limits: { enabled: false } })
  t.teardown(() => gzSim.close())
  const haloSim = await startHaloPsaSimulator({ ...halo, seed: 'demo' })
  t.teardown(() => haloSim.close())
  const gravityzone = createGravityZoneClient({ apiUrl: gzSim.url, apiKey: gzKey, retry: quick })
  t.teardown(() => gravityzone.close())
  const halopsa = createHaloPsaClient({ url: haloSim.url, ...halo, retry: quick })
  t.teardown(() => halopsa.close())
  const doctor = createDoctor({ gravityzone, halopsa, haloTokenUrl: `${haloSim.url}/auth/token`, ...deps })
  return { gzSim, haloSim, halopsa, doctor }
}

const row = (report: DoctorReport, call: string) => {
  const found = report.rows.find((r) => r.call === call)
  if (!found) throw new Error(`no row for ${call}`)
  return found
}

const stored: TicketingConfiguration = {
  ticketTypeId: 1,
  closedStatusName: 'Closed',
  autoCloseBlocked: true,
  modules: ['av']
}

t.test('given both demo tenants, every check passes and one row per call is reported', async (t) => {
  const { doctor } = await setUp(t, { ticketingConfiguration: async () => stored })
  const report = await doctor.run()
  t.ok(report.ok, formatReport(report))
  t.same(
    report.rows.map((r) => r.call),
    doctorChecks.map((c) => c.call)
  )
  t.same(
    report.rows.filter((r) => failingOutcomes.has(r.outcome)),
    []
  )
  t.match(row(report, 'general.getApiKeyDetails'), { outcome: 'ok', detail: /network/ })
  t.match(row(report, 'companies.getCompanyDetails'), { outcome: 'ok' })
  t.match(row(report, 'network.getManagedEndpointDetails'), { outcome: 'ok', detail: /belongs to company/ })
  t.match(row(report, 'POST /auth/token'), { outcome: 'ok', detail: /token issued by http/ })
  t.match(row(report, 'GET /api/RecurringInvoice/{id}'), { outcome: 'ok', detail: /lines/ })
  t.match(row(report, 'event store'), { outcome: 'ok', detail: /ticket type 1/ })
  t.match(row(report, 'push.getPushEventSettings'), { outcome: 'warning', detail: /off/ }, 'never set: off')
})

t.test('nothing is written: the simulators see only reads and the token request', async (t) => {
  const { gzSim, haloSim, doctor } = await setUp(t, { ticketingConfiguration: async () => stored })
  gzSim.calls.reset()
  haloSim.state.calls.reset()
  await doctor.run()
  const gzCalls = Object.keys(gzSim.calls.snapshot().calls)
  t.ok(gzCalls.length >= 8, `${gzCalls.length} GravityZone methods called`)
  t.same(
    gzCalls.filter((name) => !/\.(get|find)[A-Z]/.test(name)),
    [],
    'GravityZone: getters only'
  )
  const writes = haloSim.state.calls.requests().filter((r) => r.method !== 'GET')
  t.same(
    writes.map((r) => `${r.method} ${r.path}`),
    ['POST /auth/token'],
    'HaloPSA: GETs and one token request'
  )
  t.same(haloSim.state.data().tickets.rows.size, 0, 'no ticket created')
})

t.test('given a GravityZone answer of the wrong shape, its row says which field', async (t) => {
  const { gzSim, doctor } = await setUp(t)
  gzSim.faults.add({
    match: 'POST /api/v1.0/jsonrpc/push getPushEventStats',
    status: 200,
    body: { id: 1, jsonrpc: '2.0', result: { count: { events: 'many' } } },
    count: 1
  })
  const report = await doctor.run()
  t.notOk(report.ok)
  t.match(row(report, 'push.getPushEventStats'), {
    outcome: 'unexpected_shape',
    field: 'count.events',
    hint: /shape the relay expects/
  })
  t.match(formatReport(report), /push\.getPushEventStats\s+UNEXPECTED SHAPE.*field count\.events/)
})

t.test('given a HaloPSA answer that is not JSON, its row says unexpected shape and the rest still run', async (t) => {
  const { haloSim, doctor } = await setUp(t)
  haloSim.faults.add({ match: 'GET /api/Status', malformed: true })
  const report = await doctor.run()
  t.match(row(report, 'GET /api/Status'), { outcome: 'unexpected_shape', status: 200 })
  t.match(row(report, 'GET /api/Priority'), { outcome: 'ok' })
})

t.test('given a refused HaloPSA secret, the token row is refused and the other HaloPSA rows are skipped', async (t) => {
  const gzSim = await startGravityZoneSimulator({ apiKey: gzKey, seed: 'demo', limits: { enabled: false } })
  t.teardown(() => gzSim.close())
  const haloSim = await startHaloPsaSimulator({ ...halo, seed: 'demo' })
  t.teardown(() => haloSim.close())
  const halopsa = createHaloPsaClient({ url: haloSim.url, clientId: halo.clientId, clientSecret: 'wrong-secret-000' })
  t.teardown(() => halopsa.close())
  const gravityzone = createGravityZoneClient({ apiUrl: gzSim.url, apiKey: gzKey, retry: quick })
  t.teardown(() => gravityzone.close())
  const report = await createDoctor({ gravityzone, halopsa, haloTokenUrl: `${haloSim.url}/auth/token` }).run()
  t.match(row(report, 'POST /auth/token'), { outcome: 'refused', hint: /HALO_CLIENT_SECRET/ })
  t.ok(
    report.rows
      .filter((r) => r.platform === 'halopsa' && r.call !== 'POST /auth/token')
      .every((r) => r.outcome === 'skipped'),
    'no HaloPSA call without a token'
  )
  t.notOk(JSON.stringify(report).includes('wrong-secret-000'), 'the secret is not in the report')
  t.notOk(report.ok)
})

t.test('given a stored ticket type HaloPSA does not have, the configuration row is a problem', async (t) => {
  const { doctor } = await setUp(t, { ticketingConfiguration: async () => ({ ...stored, ticketTypeId: 999 }) })
  const report = await doctor.run()
  t.match(row(report, 'GET /api/TicketType/{id}'), { outcome: 'problem', detail: /no ticket type 999/ })
  t.match(row(report, 'event store'), { outcome: 'problem', detail: /ticket type 999 does not exist/ })
  t.notOk(report.ok)
})

t.test('given no event store, the configuration row is skipped and the run still passes', async (t) => {
  const { doctor } = await setUp(t)
  const report = await doctor.run()
  t.match(row(report, 'event store'), { outcome: 'skipped' })
  t.ok(report.ok)
})

t.test('two runs asked for at once share one', async (t) => {
  const { gzSim, doctor } = await setUp(t)
  gzSim.calls.reset()
  const [a, b] = await Promise.all([doctor.run(), doctor.run()])
  t.equal(a, b)
  t.equal(gzSim.calls.of('general.getApiKeyDetails'), 1)
})

/** An open ticket for the client the doctor reads first (the first active one), created as the relay would. */
const openTicketOfFirstClient = async (halopsa: ReturnType<typeof createHaloPsaClient>) => {
  const page = await halopsa.clients.list({ pageSize: 50, includeInactive: true })
  const client = page.records.find((c) => !c.inactive)!
  return halopsa.tickets.create({
    summary: 'Doctor check',
    clientId: client.id,
    ticketTypeId: 1,
    thirdPartyIdString: 'gzrelay:doctor'
  })
}

t.test('given an open ticket, the one-ticket row reads it by id and says it is open', async (t) => {
  const { halopsa, doctor } = await setUp(t)
  const ticket = await openTicketOfFirstClient(halopsa)
  const report = await doctor.run()
  t.match(row(report, 'GET /api/Tickets/{id}'), { outcome: 'ok', detail: new RegExp(`ticket ${ticket.id}, .*open$`) })
})

t.test(
  'given a ticket HaloPSA answers without hasbeenclosed, the one-ticket row warns instead of guessing',
  async (t) => {
    const { haloSim, halopsa, doctor } = await setUp(t)
    const ticket = await openTicketOfFirstClient(halopsa)
    haloSim.faults.add({
      match: 'GET /api/Tickets/',
      status: 200,
      body: { id: ticket.id, summary: 'Doctor check', status_id: 1, client_id: ticket.clientId },
      count: 1
    })
    const report = await doctor.run()
    t.match(row(report, 'GET /api/Tickets/{id}'), {
      outcome: 'warning',
      detail: /without hasbeenclosed and third_party_id_string/,
      hint: /cannot tell a closed ticket/
    })
    t.ok(report.ok, 'a warning does not fail the run')
  }
)

t.test(
  "given the relay's webhook as the API registers it, the webhook row names what is missing until an operator finishes it",
  async (t) => {
    const publicUrl = 'https://relay.example.com'
    const { haloSim, halopsa, doctor } = await setUp(t, { publicUrl, haloWebhookUser: 'halo-hook' })
    const webhook = await halopsa.webhooks.create({
      name: 'gz-halo-relay',
      url: `${publicUrl}/webhooks/halopsa`,
      events: ['Ticket Status Changed'],
      basicAuth: { username: 'halo-hook', password: 'halo-hook-password-0123' },
      active: true
    })
    t.match(row(await doctor.run(), 'GET /api/Webhook'), {
      outcome: 'warning',
      detail: /gz-halo-relay lacks ticket-status-event/,
      hint: /halopsa-webhook-setup\.md/
    })

    t.ok(haloSim.state.finishWebhook(webhook.id))
    const report = await doctor.run()
    t.match(row(report, 'GET /api/Webhook'), { outcome: 'ok', detail: /^gz-halo-relay: .*Ticket Status Changed/i })
    t.notOk(JSON.stringify(report).includes('halo-hook-password-0123'), 'the webhook password is not in the report')
  }
)
