import t from 'tap'
import { customers, e2e, type E2E } from '../support/e2e.js'
import { waitFor } from '../support/storeFacts.js'

/**
 * A HaloPSA outage as an operator sees it: the platform is stopped, the relay says so (status,
 * metrics, one fact, one active event), security events wait for it; the platform comes back on
 * the same port, and the relay says that too and creates the waiting ticket once.
 */

const [acme] = customers as [(typeof customers)[number]]
const config = { ticketTypeId: 3, priorityId: 2, closedStatusName: 'Closed', autoCloseBlocked: false, modules: ['av'] }

const status = async (s: E2E) => (await s.api('GET', '/api/status')).body
const auditTypes = async (s: E2E, type: string) =>
  (await s.api('GET', `/api/audit?type=${type}&limit=100`)).body.items as { data: Record<string, unknown> }[]
const metric = async (s: E2E, line: string) => (await (await fetch(`${s.url}/metrics`)).text()).includes(line)
const tickets = (s: E2E) => [...s.halopsa.state.data().tickets.rows.values()] as Record<string, unknown>[]

t.test(
  'HaloPSA stopped, then back: down within two checks, recorded once, recovered, the waiting ticket created once',
  async (t) => {
    const s = await e2e(t, {
      // Ticket creation keeps retrying through the outage (the relay's default is two hours).
      ticketingRetry: { minMs: 50, maxMs: 300, giveUpAfterMs: 120_000 },
      upstream: { timeoutMs: 2_000, retry: { retries: 1, minDelayMs: 20, maxDelayMs: 50 } }
    })
    await s.map(acme, { ticketing: true })
    t.equal((await s.api('PUT', '/api/config/ticketing', config)).status, 200)
    await s.sync()
    t.match((await status(s)).platforms.halopsa, { state: 'up', consecutiveFailures: 0, lastError: null })
    t.ok(await metric(s, 'relay_platform_up{platform="halopsa"} 1'))

    // Given HaloPSA stops answering
    await s.halopsa.stop()
    // When a security event arrives and the relay polls
    const pushed = await s.gravityzone.push.send([{ event: s.gravityzone.generate('av', acme.companyId) }])
    t.ok(
      pushed.batches.every((b) => b.ok),
      'GravityZone delivered the event: the relay still takes deliveries'
    )
    const poll = await s.sync()
    t.equal(poll.status, 'failed', 'the poll failed')
    // Then within two checks the relay says HaloPSA is down, everywhere an operator looks
    await waitFor(async () => (await status(s)).platforms.halopsa.state === 'down', { what: 'halopsa down' })
    const down = await status(s)
    t.match(down.platforms.halopsa, {
      state: 'down',
      lastFailureAt: String,
      lastError: { kind: 'network', message: /no connection/ }
    })
    t.ok(down.platforms.halopsa.consecutiveFailures >= 2)
    t.equal(down.platforms.gravityzone.state, 'up', 'GravityZone is not concerned')
    t.ok(await metric(s, 'relay_platform_up{platform="halopsa"} 0'), 'relay_platform_up{platform="halopsa"} 0')
    const [event] = await s.event('platform-unreachable', 'active')
    t.match(event, { category: 'connection', subject: { platform: 'halopsa' }, actions: ['recheck'] })
    t.match((await s.api('GET', '/api/events/count')).body, { byCategory: { connection: 1 } })
    await waitFor(async () => (await status(s)).processor.pending === 1, { what: 'the ticket counted as pending' })

    // and it stays recorded once, however many more calls fail
    await s.sync()
    t.equal((await s.api('POST', `/api/events/${event.id}/recheck`)).body.status, 'active', 'a Recheck finds it down')
    t.equal((await auditTypes(s, 'PlatformUnreachable')).length, 1, 'one PlatformUnreachable fact')
    t.equal(tickets(s).length, 0, 'no ticket while HaloPSA is away')

    // When HaloPSA is back on the same port
    await s.halopsa.resume()
    // Then the waiting ticket is created, once, and the relay records the recovery
    await waitFor(() => tickets(s).length > 0, { timeoutMs: 15_000, what: 'the waiting ticket' })
    await s.settle()
    await waitFor(async () => (await status(s)).platforms.halopsa.state === 'up', { what: 'halopsa up' })
    await s.relay.health.flush()
    await s.relay.relay.runner.waitForPosition(await s.relay.relay.store.headPosition())
    t.equal(tickets(s).length, 1, 'one ticket')
    t.match(tickets(s)[0], { client_id: acme.clientId })
    t.equal((await auditTypes(s, 'TicketCreated')).length, 1)
    t.match(await auditTypes(s, 'PlatformRecovered'), [{ data: { platform: 'halopsa', downSince: String } }])
    t.match((await s.api('GET', `/api/events/${event.id}`)).body, {
      status: 'closed',
      closedBy: { factType: 'PlatformRecovered', reason: 'recovered' }
    })
    const after = await status(s)
    t.match(after.processor, { pending: 0, lagFacts: 0 })
    t.ok(await metric(s, 'relay_platform_up{platform="halopsa"} 1'))
    t.equal((await auditTypes(s, 'PlatformUnreachable')).length, 1, 'still one PlatformUnreachable fact')
  }
)

t.test(
  'a relay restarted while a platform is down records no second outage, and the next answer closes it',
  async (t) => {
    const s = await e2e(t, { upstream: { timeoutMs: 2_000, retry: { retries: 0 } } })
    await s.map(acme)
    await s.halopsa.stop()
    await s.sync()
    await s.relay.health.flush()
    t.equal((await auditTypes(s, 'PlatformUnreachable')).length, 1)

    // A second health tracker on the same store stands for the restarted relay's.
    const { createPlatformHealth } = await import('../../src/services/platformHealth.js')
    const { createCommandHandler } = await import('../../src/services/commandHandler.js')
    const { platformHealth } = await import('../../src/domain/platformHealth.js')
    const restarted = createPlatformHealth({ handler: createCommandHandler(s.relay.relay.store, platformHealth) })
    await restarted.start()
    t.equal(restarted.view().halopsa.state, 'down')
    restarted.observe('halopsa', { call: 'GET /api/Client', outcome: 'network' })
    restarted.observe('halopsa', { call: 'GET /api/Client', outcome: 'network' })
    await restarted.flush()
    t.equal((await auditTypes(s, 'PlatformUnreachable')).length, 1, 'no second PlatformUnreachable')

    await s.halopsa.resume()
    const [event] = await s.event('platform-unreachable', 'active')
    const rechecked = await s.api('POST', `/api/events/${event.id}/recheck`)
    t.match(rechecked.body, {
      status: 'closed',
      closedBy: { action: 'recheck', reason: 'recovered', actor: 'operator' }
    })
  }
)
