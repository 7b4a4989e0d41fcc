import t from 'tap'
import { apiKey, pushSettings, rawCall, realAnswer, rpc, startSimulator } from './support.js'

/**
 * The simulator answers in the shapes of the real answers (test/fixtures/real/gravityzone): no field
 * the real answer lacks where the real answer is complete, the same error envelopes and statuses.
 */

type Json = Record<string, unknown>

const keysOf = (value: unknown): string[] => Object.keys((value ?? {}) as Json).sort()
const extra = (simulated: unknown, real: unknown): string[] => {
  const known = new Set(keysOf(real))
  return keysOf(simulated).filter((key) => !known.has(key))
}

t.test('success answers carry no field the real answers lack', async (t) => {
  const sim = await startSimulator(t)
  const company = sim.state.companies.create({ name: 'Harbour Clinic' })
  const endpoint = sim.state.endpoints.add({ companyId: company.id })
  const call = async (api: string, method: string, params: Json = {}) =>
    (await rawCall(sim, `/v1.0/jsonrpc/${api}`, rpc(method, params))).json!.result as Json

  t.test('getApiKeyDetails', async (t) => {
    t.same(
      keysOf(await call('general', 'getApiKeyDetails')),
      keysOf(realAnswer('gz-getApiKeyDetails-response.json').result)
    )
  })

  t.test('getCompaniesList: a bare array of {id, name}', async (t) => {
    const list = (await call('network', 'getCompaniesList')) as unknown as Json[]
    t.ok(Array.isArray(list) && list.length > 0)
    const [real] = realAnswer('gz-getCompaniesList-response.json').result as Json[]
    for (const item of list) t.same(keysOf(item), keysOf(real))
  })

  t.test('getManagedEndpointDetails and its agent', async (t) => {
    const details = await call('network', 'getManagedEndpointDetails', { endpointId: endpoint.id })
    const real = realAnswer('gz-getManagedEndpointDetails-response.json').result as Json
    t.same(extra(details, real), [])
    t.same(extra(details.agent, real.agent), [])
  })

  t.test('getLicenseInfo: one object, with the live fields', async (t) => {
    const info = await call('licensing', 'getLicenseInfo')
    t.notOk(Array.isArray(info))
    const real = realAnswer('gz-getLicenseInfo-response.json').result as Json
    t.same(
      keysOf(real).filter((key) => !(key in info)),
      []
    )
  })

  t.test('getPushEventSettings after a set: the real keys, the authorization masked', async (t) => {
    await rawCall(
      sim,
      '/v1.0/jsonrpc/push',
      rpc('setPushEventSettings', pushSettings('https://relay.example.com/hook'))
    )
    const settings = await call('push', 'getPushEventSettings')
    const real = realAnswer('gz-getPushEventSettings-response.json').result as Json
    t.same(extra(settings, real), [])
    t.same(extra(settings.serviceSettings, real.serviceSettings), [])
    t.equal((settings.serviceSettings as Json).authorization, '********')
  })

  t.test('getPushEventStats: exactly the real counters', async (t) => {
    const stats = await call('push', 'getPushEventStats')
    const real = realAnswer('gz-getPushEventStats-response.json').result as Json
    t.same(keysOf(stats), keysOf(real))
    t.same(keysOf(stats.count), keysOf(real.count))
    t.same(keysOf(stats.error), keysOf(real.error))
  })
})

t.test('error answers have the real envelopes and statuses', async (t) => {
  const sim = await startSimulator(t)

  t.test('a bad key: HTTP 401 and the real -32000 body', async (t) => {
    const answer = await rawCall(sim, '/v1.0/jsonrpc/general', rpc('getApiKeyDetails'), { key: `${apiKey}-wrong` })
    const real = realAnswer('gz-error-invalid-api-key-http401.json')
    t.equal(answer.status, 401)
    t.same(answer.json!.error, real.error)
  })

  t.test('invalid params: -32602 "Invalid params" with the text in data.details', async (t) => {
    const answer = await rawCall(sim, '/v1.0/jsonrpc/companies', rpc('getCompanyDetails', { companyId: 'gone' }))
    const real = realAnswer('gz-error-invalid-params.json').error as Json
    const error = answer.json!.error as Json
    t.same(keysOf(error), keysOf(real))
    t.match(error, { code: real.code, message: real.message, data: { details: String } })
  })

  t.test('an API the key lacks: HTTP 401, as a live tenant answers', async (t) => {
    sim.keys.add('network-only-key-0123456789', { enabledApis: ['network'] })
    const answer = await rawCall(sim, '/v1.0/jsonrpc/licensing', rpc('getLicenseInfo'), {
      key: 'network-only-key-0123456789'
    })
    t.equal(answer.status, 401)
  })
})
