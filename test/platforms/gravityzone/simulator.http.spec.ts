import t from 'tap'
import { rawCall, rpc, startSimulator } from './support.js'

const control = async (origin: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${origin}${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {})
  })
  const text = await res.text()
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined }
}

t.test('the JSON-RPC endpoint as a client without our client sees it', async (t) => {
  const sim = await startSimulator(t)

  t.test('no Authorization header: 401 and the observed message', async (t) => {
    const res = await rawCall(sim, '/v1.0/jsonrpc/network', rpc('getCompaniesList'), { key: null })
    t.equal(res.status, 401)
    t.match(res.json, { id: 1, jsonrpc: '2.0', error: { data: { details: /^Authorization header not passed/ } } })
  })

  t.test('an unknown key: 401 and -32000 "Invalid API key"', async (t) => {
    const res = await rawCall(sim, '/v1.0/jsonrpc/network', rpc('getCompaniesList'), { key: 'nope' })
    t.equal(res.status, 401)
    t.match(res.json, {
      error: {
        code: -32000,
        message: 'Server error',
        data: { details: 'Invalid API key. Please generate an API key in Control Center.' }
      }
    })
  })

  t.test('a GET is refused with 405', async (t) => {
    const res = await rawCall(sim, '/v1.0/jsonrpc/network', undefined, { method: 'GET' })
    t.equal(res.status, 405)
    t.equal(res.headers.get('allow'), 'POST')
  })

  t.test('no Content-Type is fine; a broken body is a -32700 parse error', async (t) => {
    t.match(await rawCall(sim, '/v1.0/jsonrpc/general', rpc('getApiKeyDetails', {}, 'abc'), { contentType: null }), {
      status: 200,
      json: { id: 'abc', result: { enabledApis: Array } }
    })
    t.match(await rawCall(sim, '/v1.0/jsonrpc/general', '{"jsonrpc":', {}), {
      status: 400,
      json: { id: null, error: { code: -32700 } }
    })
  })

  t.test('a bad envelope is -32600; an unknown method or API is -32601', async (t) => {
    t.match(await rawCall(sim, '/v1.0/jsonrpc/general', { method: 'getApiKeyDetails', id: 1 }), {
      status: 400,
      json: { error: { code: -32600 } }
    })
    t.match(
      await rawCall(sim, '/v1.0/jsonrpc/general', { jsonrpc: '2.0', method: 'getApiKeyDetails', params: [], id: 1 }),
      { status: 400, json: { error: { code: -32600 } } }
    )
    t.match(await rawCall(sim, '/v1.0/jsonrpc/network', rpc('getEverything')), {
      status: 404,
      json: { error: { code: -32601, message: 'Method not found' } }
    })
    t.match(await rawCall(sim, '/v1.0/jsonrpc/nothing', rpc('getCompaniesList')), {
      status: 404,
      json: { error: { code: -32601 } }
    })
    t.match(
      await rawCall(sim, '/v1.1/jsonrpc/network', rpc('getCompaniesList')),
      { status: 404, json: { error: { code: -32601 } } },
      'no v1.1 of getCompaniesList'
    )
    t.match(
      await rawCall(sim, '/v1.0/jsonrpc/network', rpc('toString')),
      { status: 404, json: { error: { code: -32601 } } },
      'no inherited properties'
    )
    t.match(await rawCall(sim, '/v1.0/jsonrpc/constructor', rpc('name')), {
      status: 404,
      json: { error: { code: -32601 } }
    })
  })

  t.test('getCompaniesList is not paginated: page and perPage are -32602', async (t) => {
    t.match(await rawCall(sim, '/v1.0/jsonrpc/network', rpc('getCompaniesList', { page: 1, perPage: 30 })), {
      status: 400,
      json: { error: { code: -32602, message: 'Invalid params' } }
    })
  })

  t.test('a service segment in the path reaches the API', async (t) => {
    t.match(await rawCall(sim, '/v1.1/jsonrpc/network/computers', rpc('getEndpointsList', { perPage: 10 })), {
      status: 200,
      json: { result: { page: 1, total: 0 } }
    })
  })

  t.test('a fault can target one JSON-RPC method of an API, over HTTP', async (t) => {
    const added = await control(sim.origin, 'POST', '/_sim/faults', {
      match: 'POST /api/v1.0/jsonrpc/licensing getMonthlyUsage',
      status: 503,
      count: 1
    })
    t.equal(added.status, 201)
    t.equal(
      (await rawCall(sim, '/v1.0/jsonrpc/licensing', rpc('getLicenseInfo'))).status,
      200,
      'another method of the same API is untouched'
    )
    t.equal((await rawCall(sim, '/v1.0/jsonrpc/licensing', rpc('getMonthlyUsage'))).status, 503)
    t.equal((await rawCall(sim, '/v1.0/jsonrpc/licensing', rpc('getMonthlyUsage'))).status, 200, 'count 1: once only')
    t.equal((await control(sim.origin, 'DELETE', '/_sim/faults')).status, 204)
  })

  t.test("the simulator's own limits answer 429 with Retry-After, or without when told", async (t) => {
    sim.rateLimits.configure({ enabled: true, push: { limit: 2, intervalMs: 60_000 } })
    t.teardown(() => sim.rateLimits.configure({ enabled: false, omitRetryAfter: false }))
    await rawCall(sim, '/v1.0/jsonrpc/push', rpc('getPushEventStats'))
    await rawCall(sim, '/v1.0/jsonrpc/push', rpc('getPushEventStats'))
    const limited = await rawCall(sim, '/v1.0/jsonrpc/push', rpc('getPushEventStats'))
    t.equal(limited.status, 429)
    t.equal(limited.headers.get('retry-after'), '30')
    t.equal(
      (await rawCall(sim, '/v1.0/jsonrpc/general', rpc('getApiKeyDetails'))).status,
      200,
      'other tiers are not affected'
    )
    const switched = await control(sim.origin, 'POST', '/_sim/rate-limits', { omitRetryAfter: true })
    t.match(switched.json, { enabled: true, omitRetryAfter: true })
    await rawCall(sim, '/v1.0/jsonrpc/push', rpc('getPushEventStats'))
    await rawCall(sim, '/v1.0/jsonrpc/push', rpc('getPushEventStats'))
    const bare = await rawCall(sim, '/v1.0/jsonrpc/push', rpc('getPushEventStats'))
    t.equal(bare.status, 429)
    t.equal(bare.headers.get('retry-after'), null)
  })
})

t.test('control routes change the tenant the way the console would', async (t) => {
  const sim = await startSimulator(t)
  const month = '03/2025'

  const created = await control(sim.origin, 'POST', '/_sim/companies', { name: 'Harbour Hotel', endpoints: 3 })
  t.equal(created.status, 201)
  const id = created.json!.id as string
  t.equal(sim.state.endpoints.ofCompany(id).length, 3)
  t.match((await rawCall(sim, '/v1.0/jsonrpc/companies', rpc('getCompanyDetails', { companyId: id }))).json, {
    result: { name: 'Harbour Hotel', type: 1 }
  })

  t.equal(
    (await control(sim.origin, 'POST', '/_sim/companies', { name: 'harbour hotel' })).status,
    409,
    'names are unique'
  )
  t.equal(
    (await control(sim.origin, 'PATCH', `/_sim/companies/${id}`, { name: 'Harbour View Hotel', isSuspended: true }))
      .status,
    200
  )
  t.match(sim.state.companies.get(id), { name: 'Harbour View Hotel', isSuspended: true })

  t.match(
    await control(sim.origin, 'PUT', '/_sim/usage', {
      companyId: id,
      month,
      counters: { endpointMonthlyUsage: 3 },
      minimumUsage: { endpointMonthlyUsage: 5 }
    }),
    { status: 200 }
  )
  t.match(
    (await rawCall(sim, '/v1.0/jsonrpc/licensing', rpc('getMonthlyUsage', { companyId: id, targetMonth: month }))).json,
    {
      result: { endpointMonthlyUsage: 3, minimumUsage: { endpointMonthlyUsage: 5 } }
    }
  )

  const stats = await control(sim.origin, 'GET', '/_sim/stats')
  t.match(stats.json, { calls: { 'companies.getCompanyDetails': 1, 'licensing.getMonthlyUsage': 1 } })

  t.equal((await control(sim.origin, 'DELETE', `/_sim/companies/${id}`)).status, 200)
  t.match((await rawCall(sim, '/v1.0/jsonrpc/companies', rpc('getCompanyDetails', { companyId: id }))).json, {
    error: { code: -32602 }
  })
  t.equal((await control(sim.origin, 'DELETE', `/_sim/companies/${id}`)).status, 404)
  t.equal((await control(sim.origin, 'POST', '/_sim/companies', { nme: 'typo' })).status, 400)

  t.equal((await control(sim.origin, 'POST', '/_sim/reset')).status, 200)
  t.equal(sim.state.companies.all().length, 1, 'back to the seeded tenant')
  t.match((await control(sim.origin, 'GET', '/_sim/stats')).json, { total: 0 })
})

t.test(
  'company writes over JSON-RPC: create, update, suspend, delete (a partner with children cannot be deleted)',
  async (t) => {
    const sim = await startSimulator(t)
    const created = await rawCall(
      sim,
      '/v1.0/jsonrpc/companies',
      rpc('createCompany', { type: 0, name: 'New Reseller', licenseSubscription: { type: 3, minimumUsage: 10 } })
    )
    t.equal(created.status, 200)
    const partnerId = created.json!.result as string
    const child = await rawCall(
      sim,
      '/v1.0/jsonrpc/companies',
      rpc('createCompany', { type: 1, name: 'Its Customer', parentId: partnerId })
    )
    t.equal(child.status, 200)
    t.match(await rawCall(sim, '/v1.0/jsonrpc/companies', rpc('deleteCompany', { companyId: partnerId })), {
      status: 400,
      json: { error: { code: -32602, data: { details: /sub-companies/ } } }
    })
    t.same(
      sim.state.usage.licence(partnerId).minimumUsage,
      { endpointMonthlyUsage: 10 },
      'the committed minimum came from licenseSubscription'
    )
    t.match(
      await rawCall(sim, '/v1.0/jsonrpc/companies', rpc('suspendCompany', { companyId: partnerId, recursive: true })),
      { status: 200, json: { result: null } }
    )
    t.equal(sim.state.companies.get(child.json!.result as string)?.isSuspended, true)
    t.match(
      await rawCall(
        sim,
        '/v1.0/jsonrpc/companies',
        rpc('updateCompanyDetails', { companyId: partnerId, name: 'Renamed Reseller' })
      ),
      { status: 200 }
    )
    t.equal(sim.state.companies.get(partnerId)?.name, 'Renamed Reseller')
    t.match(await rawCall(sim, '/v1.0/jsonrpc/companies', rpc('deleteCompany', { companyId: child.json!.result })), {
      status: 200
    })
    t.match(await rawCall(sim, '/v1.0/jsonrpc/companies', rpc('deleteCompany', { companyId: partnerId })), {
      status: 200
    })
    t.same(sim.state.usage.licence(partnerId).minimumUsage, {}, 'its licence went with it')
  }
)
