import t from 'tap'
import { subscribableEventTypes } from '../../../src/platforms/gravityzone/modules.js'
import { pushEventTypes } from '../../../src/services/pushService.js'
import type { GravityZoneSimulator } from '../../../simulators/gravityzone/server.js'
import { connect, failure, realAnswer, startSimulator } from './support.js'

/**
 * Every real GravityZone answer in test/fixtures/real/gravityzone (SOURCES.md there) goes through
 * the relay's own client, envelope and zod schemas included, by having the simulator answer it
 * verbatim; each test then asserts what the relay does with it.
 */

/** The next `<api>.<method>` call (any version) is answered with this real body and status. */
const replay = (sim: GravityZoneSimulator, call: string, file: string, status = 200) =>
  sim.faults.add({ match: `POST /api/v1 ${call.split('.')[1]}`, status, body: realAnswer(file), count: 1 })

t.test('the real success answers parse with the relay schemas', async (t) => {
  const sim = await startSimulator(t)
  const client = connect(t, sim)

  t.test('getApiKeyDetails: the enabled APIs are read', async (t) => {
    replay(sim, 'general.getApiKeyDetails', 'gz-getApiKeyDetails-response.json')
    t.same((await client.getApiKeyDetails()).enabledApis, ['packages', 'network', 'policies', 'reports'])
  })

  t.test('getCompaniesList: a bare array of {id, name}', async (t) => {
    replay(sim, 'network.getCompaniesList', 'gz-getCompaniesList-response.json')
    t.same(
      (await client.getCompaniesList()).map((c) => [c.id, c.name]),
      [
        ['1', 'Acme'],
        ['2', 'Widgets Inc']
      ]
    )
  })

  t.test('getEndpointsList: a page whose items have no companyId', async (t) => {
    replay(sim, 'network.getEndpointsList', 'gz-getEndpointsList-response.json')
    const page = await client.getEndpointsList()
    t.match(page, { page: 2, pagesCount: 11, perPage: 5, total: 54 })
    t.equal(page.items.length, 2)
    t.notOk(
      page.items.some((item) => item.companyId),
      'no companyId: the relay never reads one from this list'
    )
  })

  t.test("getManagedEndpointDetails: the endpoint's company, which places an event without one", async (t) => {
    replay(sim, 'network.getManagedEndpointDetails', 'gz-getManagedEndpointDetails-response.json')
    const details = await client.getManagedEndpointDetails('54a28b41b1a43d89367b23fd')
    t.match(details, { id: '54a28b41b1a43d89367b23fd', companyId: '5575a235d2172c65038b454e' })
  })

  t.test('getNetworkInventoryItems (v1.0): computer items with details parse', async (t) => {
    replay(sim, 'network.getNetworkInventoryItems', 'gz-getNetworkInventoryItems-response-v1.0.json')
    const page = await client.getNetworkInventoryItems({}, 'v1.0')
    t.match(page, { total: 22, items: [{ type: 2, details: { isManaged: true } }, { type: 2 }] })
  })

  t.test('getLicenseInfo: one object, which the client answers as a list of one', async (t) => {
    replay(sim, 'licensing.getLicenseInfo', 'gz-getLicenseInfo-response.json')
    t.match(await client.getLicenseInfo(), [{ usedSlots: 12, totalSlots: null, subscriptionType: 2 }])
  })

  t.test('getMonthlyUsagePerProductType: one entry per product type, counters kept', async (t) => {
    replay(sim, 'licensing.getMonthlyUsagePerProductType', 'gz-getMonthlyUsagePerProductType-response.json')
    const usages = await client.getMonthlyUsagePerProductType({ targetMonth: '06/2025' })
    t.same(
      usages.map((u) => [u.productType, u.counters]),
      [
        [0, { endpointMonthlyUsage: 10, edrMonthlyUsage: 3 }],
        [5, { endpointMonthlyUsage: 0, edrMonthlyUsage: 0, phasrMonthlyUsage: 2 }]
      ]
    )
  })

  t.test('getPushEventSettings: a masked authorization and a map of event types', async (t) => {
    replay(sim, 'push.getPushEventSettings', 'gz-getPushEventSettings-response.json')
    const settings = await client.getPushEventSettings()
    t.match(settings, { status: 1, serviceType: 'jsonRPC', serviceSettings: { authorization: '********' } })
    const readBack = Object.keys(settings.subscribeToEventTypes ?? {})
    t.same(
      readBack.filter((type) => !(subscribableEventTypes as readonly string[]).includes(type)),
      [],
      'every key GravityZone stored is in the published list the relay and the simulator use'
    )
    t.same(
      Object.keys(pushEventTypes).filter((type) => !readBack.includes(type)),
      ['partner-changed'],
      "GravityZone stored every key the relay asks for, but the partner-only one, on this tenant's key"
    )
  })

  t.test('getPushEventStats: counters and errors', async (t) => {
    replay(sim, 'push.getPushEventStats', 'gz-getPushEventStats-response.json')
    t.match(await client.getPushEventStats(), {
      count: { events: 9, sentMessages: 7, errorMessages: 0 },
      lastUpdateTime: '2023-01-13T16:26:34'
    })
  })
})

t.test('the real error answers become the right PlatformError kinds', async (t) => {
  const sim = await startSimulator(t)
  const client = connect(t, sim)

  t.test('the HTTP 401 for a bad key is auth, with GravityZone text and no retry', async (t) => {
    replay(sim, 'general.getApiKeyDetails', 'gz-error-invalid-api-key-http401.json', 401)
    const error = await failure(client.getApiKeyDetails())
    t.match(error, { kind: 'auth', status: 401, rpcCode: -32000, attempts: 1 })
    t.match(error.message, /Invalid API key\. Please generate an API key in Control Center\./)
  })

  t.test('"Invalid params" about items is a rejected request, not a missing company', async (t) => {
    replay(sim, 'companies.getCompanyDetails', 'gz-error-invalid-params.json', 400)
    const error = await failure(client.getCompanyDetails('5575a235d2172c65038b454e'))
    t.match(error, { kind: 'rejected', rpcCode: -32602, details: /One or more items are not available/ })
  })
})
