import t from 'tap'
import { streams } from '../../src/domain/streams.js'
import { auth, testApp, tokens } from '../support/app.js'

const COMPANY = 'a1b2c3d4e5f6a1b2c3d4e5f6'

/** Creates a mapping through the API and makes the inventory check see its company gone. */
const mappingWithMissingCompany = async (ctx: Awaited<ReturnType<typeof testApp>>, company = COMPANY, client = 101) => {
  const created = await ctx.app.inject({
    method: 'POST',
    url: '/api/mappings',
    headers: auth(),
    payload: {
      gravityzoneCompanyId: company,
      halopsaClientId: client,
      billing: { enabled: true },
      ticketing: { enabled: true }
    }
  })
  const mapping = created.json()
  const observed = await ctx.relay.handlers.health.handle(
    streams.mappingHealth(mapping.id),
    {
      type: 'ObserveInventory',
      data: {
        mappingId: mapping.id,
        companyId: company,
        clientId: client,
        company: { id: company, found: false },
        client: { id: client, found: true }
      }
    },
    { actor: 'scheduler', correlationId: 'poll-1' }
  )
  await ctx.relay.runner.waitForPosition(observed.position!)
  return { mapping, eventId: observed.facts[0]!.id }
}

t.test('the API needs a bearer token, and operate for actions', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const none = await ctx.app.inject({ method: 'GET', url: '/api/events' })
  t.equal(none.statusCode, 401)
  t.same(none.json(), {
    error: { code: 'missing_credentials', message: 'an Authorization: Bearer <token> header is required' }
  })
  t.match(none.headers['www-authenticate'], /^Bearer/)
  const bad = await ctx.app.inject({ method: 'GET', url: '/api/events', headers: auth('not-a-valid-token-at-all') })
  t.equal(bad.json().error.code, 'invalid_credentials')
  t.equal(
    (await ctx.app.inject({ method: 'GET', url: '/api/events', headers: auth(tokens.reader) })).statusCode,
    200,
    'read scope may read'
  )
  const forbidden = await ctx.app.inject({
    method: 'POST',
    url: '/api/mappings',
    headers: auth(tokens.reader),
    payload: { gravityzoneCompanyId: COMPANY, halopsaClientId: 1 }
  })
  t.equal(forbidden.statusCode, 403)
  t.equal(forbidden.json().error.code, 'insufficient_scope')
  t.equal((await ctx.relay.store.readAll()).length, 0, 'a refused request records nothing')
  const unknown = await ctx.app.inject({ method: 'GET', url: '/api/nope', headers: auth() })
  t.equal(unknown.statusCode, 404)
  t.equal(unknown.json().error.code, 'route_not_found')
})

t.test('events: list with filters and cursor, count, detail with facts, and the actions', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const a = await mappingWithMissingCompany(ctx, 'aaaaaaaaaaaaaaaaaaaaaaaa', 1)
  const b = await mappingWithMissingCompany(ctx, 'bbbbbbbbbbbbbbbbbbbbbbbb', 2)
  const c = await mappingWithMissingCompany(ctx, 'cccccccccccccccccccccccc', 3)

  const count = await ctx.app.inject({ method: 'GET', url: '/api/events/count', headers: auth(tokens.reader) })
  t.match(count.json(), {
    active: 3,
    byCategory: { mapping: 3, billing: 0, ticketing: 0 },
    byType: { 'gravityzone-company-not-found': 3, 'ticket-closure-failed': 0 }
  })

  const page1 = (await ctx.app.inject({ method: 'GET', url: '/api/events?limit=2', headers: auth() })).json()
  t.equal(page1.items.length, 2)
  t.same(
    page1.items.map((e: { id: string }) => e.id),
    [c.eventId, b.eventId],
    'newest first'
  )
  t.type(page1.nextCursor, 'string')
  const page2 = (
    await ctx.app.inject({ method: 'GET', url: `/api/events?limit=2&cursor=${page1.nextCursor}`, headers: auth() })
  ).json()
  t.same(
    page2.items.map((e: { id: string }) => e.id),
    [a.eventId]
  )
  t.equal(page2.nextCursor, null)
  t.equal(
    (await ctx.app.inject({ method: 'GET', url: `/api/events?mappingId=${b.mapping.id}`, headers: auth() })).json()
      .items.length,
    1
  )
  t.equal(
    (await ctx.app.inject({ method: 'GET', url: '/api/events?category=billing', headers: auth() })).json().items.length,
    0
  )
  t.equal(
    (
      await ctx.app.inject({
        method: 'GET',
        url: '/api/events?type=gravityzone-company-not-found&status=all',
        headers: auth()
      })
    ).json().items.length,
    3
  )
  const badFilter = await ctx.app.inject({ method: 'GET', url: '/api/events?type=nonsense', headers: auth() })
  t.equal(badFilter.statusCode, 400)
  t.equal(badFilter.json().error.code, 'invalid_request')
  t.equal(
    (await ctx.app.inject({ method: 'GET', url: '/api/events?cursor=garbage', headers: auth() })).json().error.code,
    'invalid_cursor'
  )

  const detail = (await ctx.app.inject({ method: 'GET', url: `/api/events/${a.eventId}`, headers: auth() })).json()
  t.match(detail, {
    id: a.eventId,
    type: 'gravityzone-company-not-found',
    title: 'GravityZone company not found',
    status: 'active',
    actions: ['recheck'],
    subject: { mappingId: a.mapping.id, gravityzoneCompanyId: 'aaaaaaaaaaaaaaaaaaaaaaaa' }
  })
  t.match(detail.facts, [
    {
      type: 'CompanyNotFound',
      id: a.eventId,
      stream: streams.mappingHealth(a.mapping.id),
      position: /^\d+$/,
      revision: '0',
      metadata: { actor: 'scheduler' }
    }
  ])
  t.equal((await ctx.app.inject({ method: 'GET', url: '/api/events/nope', headers: auth() })).statusCode, 404)

  const ack = await ctx.app.inject({ method: 'POST', url: `/api/events/${a.eventId}/acknowledge`, headers: auth() })
  t.equal(ack.statusCode, 409)
  t.equal(ack.json().error.code, 'action_not_supported')
  const recheck = await ctx.app.inject({ method: 'POST', url: `/api/events/${a.eventId}/recheck`, headers: auth() })
  t.equal(recheck.statusCode, 200, 'recheck is recorded even when the check cannot run')
  t.equal(recheck.json().status, 'active')
  const facts = (await ctx.app.inject({ method: 'GET', url: `/api/events/${a.eventId}`, headers: auth() })).json().facts
  t.match(
    facts.map((f: { type: string }) => f.type),
    ['CompanyNotFound', 'RecheckRequested', 'RecheckCompleted']
  )
  t.match(facts[2].data, { outcome: 'failed', message: /not configured/ })
  t.equal(facts[1].metadata.actor, 'alice', 'the action is recorded under the token name')

  const resolve = await ctx.app.inject({ method: 'POST', url: `/api/events/${a.eventId}/resolve`, headers: auth() })
  t.equal(resolve.statusCode, 409, 'company-not-found does not support resolve')
  const deleted = await ctx.app.inject({ method: 'DELETE', url: `/api/mappings/${a.mapping.id}`, headers: auth() })
  t.equal(deleted.statusCode, 204)
  const closed = (await ctx.app.inject({ method: 'GET', url: `/api/events/${a.eventId}`, headers: auth() })).json()
  t.match(closed, { status: 'closed', closedBy: { factType: 'MappingDeleted', actor: 'alice' } })
  const onClosed = await ctx.app.inject({ method: 'POST', url: `/api/events/${a.eventId}/recheck`, headers: auth() })
  t.equal(onClosed.statusCode, 409)
  t.equal(onClosed.json().error.code, 'event_closed')
  const before = await ctx.relay.store.headPosition()
  await ctx.app.inject({ method: 'POST', url: `/api/events/${a.eventId}/acknowledge`, headers: auth() })
  t.equal(await ctx.relay.store.headPosition(), before, 'refused actions record nothing')

  const all = (await ctx.app.inject({ method: 'POST', url: '/api/events/recheck', headers: auth() })).json()
  t.same(all.results.map((r: { eventId: string }) => r.eventId).sort(), [b.eventId, c.eventId].sort())
  t.ok(all.results.every((r: { outcome: string }) => r.outcome === 'failed'))
})

t.test('resolve deletes the mapping; two concurrent resolves: one wins, the other gets 409', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const created = (
    await ctx.app.inject({
      method: 'POST',
      url: '/api/mappings',
      headers: auth(),
      payload: { gravityzoneCompanyId: COMPANY, halopsaClientId: 7 }
    })
  ).json()
  const observed = await ctx.relay.handlers.health.handle(
    streams.mappingHealth(created.id),
    {
      type: 'ObserveInventory',
      data: {
        mappingId: created.id,
        companyId: COMPANY,
        clientId: 7,
        company: { id: COMPANY, found: true },
        client: { id: 7, found: false }
      }
    },
    { actor: 'scheduler', correlationId: 'poll' }
  )
  await ctx.relay.runner.waitForPosition(observed.position!)
  const eventId = observed.facts[0]!.id
  t.equal(
    (await ctx.app.inject({ method: 'GET', url: `/api/mappings/${created.id}`, headers: auth() })).json().status,
    'suspended'
  )
  const [x, y] = await Promise.all([
    ctx.app.inject({ method: 'POST', url: `/api/events/${eventId}/resolve`, headers: auth() }),
    ctx.app.inject({ method: 'POST', url: `/api/events/${eventId}/resolve`, headers: auth() })
  ])
  t.same([x.statusCode, y.statusCode].sort(), [200, 409])
  const winner = x.statusCode === 200 ? x : y
  t.match(winner.json(), { status: 'closed', closedBy: { action: 'resolve', actor: 'alice' } })
  t.equal(
    (await ctx.app.inject({ method: 'GET', url: `/api/mappings/${created.id}`, headers: auth() })).statusCode,
    404
  )
  t.equal((await ctx.relay.store.readAll({ filter: { types: ['MappingDeleted'] } })).length, 1)
  const again = await ctx.app.inject({
    method: 'POST',
    url: '/api/mappings',
    headers: auth(),
    payload: { gravityzoneCompanyId: COMPANY, halopsaClientId: 8 }
  })
  t.equal(again.statusCode, 201, 'the company is mappable again')
})

t.test('concurrent acknowledgements of one event: exactly one wins', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const created = (
    await ctx.app.inject({
      method: 'POST',
      url: '/api/mappings',
      headers: auth(),
      payload: { gravityzoneCompanyId: COMPANY, halopsaClientId: 9, ticketing: { enabled: true } }
    })
  ).json()
  const { position, facts } = await ctx.relay.store
    .append(streams.ticket('k1'), [
      {
        id: '018f0000-0000-7000-8000-000000000001',
        type: 'TicketCreateFailed',
        data: {
          mappingId: created.id,
          halopsaClientId: 9,
          threatKey: 'k1',
          securityEventKey: 'e1',
          cause: 'transient',
          status: 503,
          message: 'HaloPSA answered 503',
          attempts: 5
        },
        metadata: { correlationId: 'c', causationId: 'c', actor: 'relay', recordedAt: new Date().toISOString() }
      }
    ])
    .then(async (r) => ({ position: r.position, facts: await ctx.relay.store.readStream(streams.ticket('k1')) }))
  await ctx.relay.runner.waitForPosition(position)
  const eventId = facts[0]!.id
  const results = await Promise.all(
    Array.from({ length: 8 }, () =>
      ctx.app.inject({ method: 'POST', url: `/api/events/${eventId}/acknowledge`, headers: auth() })
    )
  )
  t.same(results.map((r) => r.statusCode).sort(), [200, 409, 409, 409, 409, 409, 409, 409])
  t.ok(results.filter((r) => r.statusCode === 409).every((r) => r.json().error.code === 'event_closed'))
  t.equal((await ctx.relay.store.readAll({ filter: { types: ['EventAcknowledged'] } })).length, 1)
  t.equal((await ctx.app.inject({ method: 'GET', url: '/api/events/count', headers: auth() })).json().active, 0)
})

t.test('mappings: 1:1 enforced with 409, validation 400, patch, delete, 404', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const create = (payload: unknown) =>
    ctx.app.inject({ method: 'POST', url: '/api/mappings', headers: auth(), payload: payload as object })
  const first = await create({
    gravityzoneCompanyId: COMPANY,
    halopsaClientId: 11,
    billing: { enabled: true, items: { endpointMonthlyUsage: 12 } }
  })
  t.equal(first.statusCode, 201)
  t.match(first.json(), {
    gravityzoneCompanyId: COMPANY,
    halopsaClientId: 11,
    billing: { enabled: true, items: { endpointMonthlyUsage: 12 } },
    ticketing: { enabled: false },
    status: 'ok'
  })
  const id = first.json().id
  t.equal(
    (await create({ gravityzoneCompanyId: COMPANY, halopsaClientId: 12 })).json().error.code,
    'company_already_mapped'
  )
  t.equal((await create({ gravityzoneCompanyId: 'ffffffffffffffffffffffff', halopsaClientId: 11 })).statusCode, 409)
  t.equal((await create({ gravityzoneCompanyId: COMPANY })).statusCode, 400)
  t.equal((await create({ gravityzoneCompanyId: 'x', halopsaClientId: -1 })).json().error.code, 'invalid_request')
  t.equal(
    (await create({ gravityzoneCompanyId: 'y', halopsaClientId: 13, surprise: true })).statusCode,
    400,
    'unknown fields are refused'
  )
  const overlapping = await create({
    gravityzoneCompanyId: 'z',
    halopsaClientId: 14,
    billing: { enabled: true, items: { endpointMonthlyUsage: 12, mspSecurePlusMonthlyUsage: 13 } }
  })
  t.equal(overlapping.statusCode, 422)
  t.equal(overlapping.json().error.code, 'invalid_configuration')
  const nonJson = await ctx.app.inject({
    method: 'POST',
    url: '/api/mappings',
    headers: { ...auth(), 'content-type': 'application/json' },
    payload: '{not json'
  })
  t.equal(nonJson.statusCode, 400)
  t.equal(nonJson.json().error.code, 'invalid_json')

  const patched = await ctx.app.inject({
    method: 'PATCH',
    url: `/api/mappings/${id}`,
    headers: auth(),
    payload: { ticketing: { enabled: true }, billing: { items: null } }
  })
  t.equal(patched.statusCode, 200)
  t.match(patched.json(), { ticketing: { enabled: true }, billing: { enabled: true } })
  t.notOk(patched.json().billing.items, 'items: null switches back to the global item mapping')
  t.equal(
    (await ctx.app.inject({ method: 'PATCH', url: `/api/mappings/${id}`, headers: auth(), payload: {} })).statusCode,
    400
  )
  t.equal(
    (
      await ctx.app.inject({
        method: 'PATCH',
        url: '/api/mappings/nope',
        headers: auth(),
        payload: { ticketing: { enabled: false } }
      })
    ).statusCode,
    404
  )
  const listed = (await ctx.app.inject({ method: 'GET', url: '/api/mappings', headers: auth(tokens.reader) })).json()
  t.equal(listed.items.length, 1)
  t.equal((await ctx.app.inject({ method: 'DELETE', url: `/api/mappings/${id}`, headers: auth() })).statusCode, 204)
  t.equal((await ctx.app.inject({ method: 'DELETE', url: `/api/mappings/${id}`, headers: auth() })).statusCode, 404)
  const noPlatform = await ctx.app.inject({
    method: 'POST',
    url: `/api/mappings/${id}/recurring-invoice`,
    headers: auth()
  })
  t.equal(noPlatform.statusCode, 404)
})

t.test('configuration: billing and ticketing changes are facts', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  t.same((await ctx.app.inject({ method: 'GET', url: '/api/config/billing', headers: auth() })).json(), { items: {} })
  const put = await ctx.app.inject({
    method: 'PUT',
    url: '/api/config/billing',
    headers: auth(),
    payload: { items: { endpointMonthlyUsage: 12, edrMonthlyUsage: 13 } }
  })
  t.equal(put.statusCode, 200)
  t.same((await ctx.app.inject({ method: 'GET', url: '/api/config/billing', headers: auth() })).json(), {
    items: { endpointMonthlyUsage: 12, edrMonthlyUsage: 13 }
  })
  t.equal(
    (
      await ctx.app.inject({
        method: 'PUT',
        url: '/api/config/billing',
        headers: auth(),
        payload: { items: { endpointMonthlyUsage: 12, aLaCarteMonthlyUsage: 13 } }
      })
    ).statusCode,
    422
  )
  t.equal(
    (
      await ctx.app.inject({
        method: 'PUT',
        url: '/api/config/billing',
        headers: auth(),
        payload: { items: { 'not a counter': 1 } }
      })
    ).statusCode,
    400
  )
  t.equal((await ctx.relay.store.readAll({ filter: { types: ['BillingConfigured'] } })).length, 1)

  t.match((await ctx.app.inject({ method: 'GET', url: '/api/config/ticketing', headers: auth() })).json(), {
    configured: false,
    closedStatusName: 'Closed'
  })
  const ticketing = {
    ticketTypeId: 31,
    priorityId: 2,
    closedStatusName: 'Closed',
    autoCloseBlocked: true,
    modules: ['av', 'hd']
  }
  t.same(
    (await ctx.app.inject({ method: 'PUT', url: '/api/config/ticketing', headers: auth(), payload: ticketing })).json(),
    ticketing
  )
  t.match((await ctx.app.inject({ method: 'GET', url: '/api/config/ticketing', headers: auth() })).json(), {
    ...ticketing,
    configured: true
  })
  const stored = await ctx.relay.store.readAll({ filter: { types: ['TicketingConfigured'] } })
  t.match(stored[0]!.data, { ...ticketing, verified: false })
  t.equal(
    (
      await ctx.app.inject({
        method: 'PUT',
        url: '/api/config/ticketing',
        headers: auth(),
        payload: { ...ticketing, ticketTypeId: 'x' }
      })
    ).statusCode,
    400
  )
})

t.test('audit: filters, cursor, NDJSON', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const a = await mappingWithMissingCompany(ctx, 'aaaaaaaaaaaaaaaaaaaaaaaa', 1)
  await mappingWithMissingCompany(ctx, 'bbbbbbbbbbbbbbbbbbbbbbbb', 2)
  const all = (await ctx.app.inject({ method: 'GET', url: '/api/audit', headers: auth(tokens.reader) })).json()
  t.same(
    all.items.map((f: { type: string }) => f.type),
    ['MappingCreated', 'CompanyNotFound', 'MappingCreated', 'CompanyNotFound']
  )
  t.match(all.items[0], {
    position: /^\d+$/,
    revision: '0',
    stream: 'mappingRegistry-main',
    metadata: { actor: 'alice' },
    recordedAt: /Z$/
  })
  const byType = (
    await ctx.app.inject({ method: 'GET', url: '/api/audit?type=CompanyNotFound', headers: auth() })
  ).json()
  t.equal(byType.items.length, 2)
  const byMapping = (
    await ctx.app.inject({ method: 'GET', url: `/api/audit?mappingId=${a.mapping.id}`, headers: auth() })
  ).json()
  t.same(
    byMapping.items.map((f: { type: string }) => f.type),
    ['MappingCreated', 'CompanyNotFound']
  )
  const byCategory = (
    await ctx.app.inject({ method: 'GET', url: '/api/audit?stream=mappingHealth', headers: auth() })
  ).json()
  t.equal(byCategory.items.length, 2)
  const byStream = (
    await ctx.app.inject({
      method: 'GET',
      url: `/api/audit?stream=${streams.mappingHealth(a.mapping.id)}`,
      headers: auth()
    })
  ).json()
  t.equal(byStream.items.length, 1)
  const p1 = (await ctx.app.inject({ method: 'GET', url: '/api/audit?limit=3', headers: auth() })).json()
  t.equal(p1.items.length, 3)
  const p2 = (
    await ctx.app.inject({ method: 'GET', url: `/api/audit?limit=3&after=${p1.nextCursor}`, headers: auth() })
  ).json()
  t.equal(p2.items.length, 1)
  t.equal(p2.nextCursor, null)
  const future = (
    await ctx.app.inject({ method: 'GET', url: '/api/audit?from=2999-01-01T00:00:00Z', headers: auth() })
  ).json()
  t.equal(future.items.length, 0)
  t.equal((await ctx.app.inject({ method: 'GET', url: '/api/audit?from=yesterday', headers: auth() })).statusCode, 400)
  t.equal((await ctx.app.inject({ method: 'GET', url: '/api/audit?after=abc', headers: auth() })).statusCode, 400)
  const ndjson = await ctx.app.inject({
    method: 'GET',
    url: '/api/audit?limit=1',
    headers: { ...auth(), accept: 'application/x-ndjson' }
  })
  t.equal(ndjson.statusCode, 200)
  t.match(ndjson.headers['content-type'], /application\/x-ndjson/)
  const lines = ndjson.body
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
  t.equal(lines.length, 4, 'NDJSON streams every match, without the page limit')
  t.same(
    lines.map((l) => l.position),
    all.items.map((f: { position: string }) => f.position)
  )
})

t.test('jobs answer 503 until the platforms are configured', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const res = await ctx.app.inject({ method: 'POST', url: '/api/sync/run', headers: auth() })
  t.equal(res.statusCode, 503)
  t.equal(res.json().error.code, 'not_configured')
  t.equal(
    (await ctx.app.inject({ method: 'POST', url: '/api/billing/run?month=13/2026', headers: auth() })).statusCode,
    400
  )
  t.equal(
    (await ctx.app.inject({ method: 'POST', url: '/api/billing/run', headers: auth(tokens.reader) })).statusCode,
    403
  )
  for (const url of ['/api/status', '/api/jobs/some-run']) {
    const res = await ctx.app.inject({ method: 'GET', url, headers: auth(tokens.reader) })
    t.equal(res.json().error.code, 'not_configured', `${url}: a read token may ask, the platforms are not configured`)
  }
  t.equal((await ctx.app.inject({ method: 'GET', url: '/api/status' })).statusCode, 401)
})

t.test('operations: health, ready, metrics', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  t.match((await ctx.app.inject({ method: 'GET', url: '/health' })).json(), { status: 'ok' })
  t.match((await ctx.app.inject({ method: 'GET', url: '/ready' })).json(), { status: 'ready', store: 'sqlite' })
  await mappingWithMissingCompany(ctx)
  const metrics = await ctx.app.inject({ method: 'GET', url: '/metrics' })
  t.equal(metrics.statusCode, 200)
  t.match(metrics.headers['content-type'], /text\/plain/)
  for (const name of [
    'relay_webhook_deliveries_total',
    'relay_store_append_duration_seconds_bucket',
    'relay_projection_lag_facts 0',
    'relay_upstream_calls_total',
    'relay_integration_events_active{type="gravityzone-company-not-found"} 1',
    'relay_process_cpu_user_seconds_total'
  ]) {
    t.match(metrics.body, name, name)
  }
  await ctx.app.close()
  await ctx.relay.stop()
  t.pass('closing twice is harmless')
})
