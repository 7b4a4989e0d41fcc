import t from 'tap'
import { demoCustomers } from '../../../simulators/kit/demoSeed.js'
import { previousUsageMonth, usageMonth } from '../../../src/platforms/gravityzone/usage.js'
import { connect, startSimulator } from './support.js'

t.test('licensing calls against a simulator with a partner and two customers', async (t) => {
  const sim = await startSimulator(t)
  const month = usageMonth(sim.clock.now())
  const lastMonth = previousUsageMonth(month)
  const reseller = sim.state.companies.create({ name: 'Reseller', type: 0 })
  const alpha = sim.state.companies.create({ name: 'Alpha', parentId: reseller.id })
  const beta = sim.state.companies.create({ name: 'Beta', parentId: reseller.id })
  const { usage } = sim.state
  usage.set(reseller.id, month, { endpointMonthlyUsage: 2, mspSecureMonthlyUsage: 2 })
  usage.set(alpha.id, month, {
    endpointMonthlyUsage: 10,
    mspSecurePlusMonthlyUsage: 10,
    edrMonthlyUsage: 4,
    aLaCarteMonthlyUsage: 1
  })
  usage.set(beta.id, month, { endpointMonthlyUsage: 7, mspSecureMonthlyUsage: 7 })
  usage.set(alpha.id, lastMonth, { endpointMonthlyUsage: 9, mspSecurePlusMonthlyUsage: 9 })
  usage.set(alpha.id, month, { endpointMonthlyUsage: 3, edrMonthlyUsage: 3 }, 3)
  usage.setLicence(alpha.id, { minimumUsage: { endpointMonthlyUsage: 12 }, totalSlots: 50, licenseKey: 'ABC123' })
  for (let n = 0; n < 4; n++) sim.state.endpoints.add({ companyId: alpha.id }, { silent: true })
  const client = connect(t, sim)

  t.test("getMonthlyUsage answers a customer's counters, zeros included, and its minimum", async (t) => {
    const result = await client.getMonthlyUsage({ companyId: alpha.id, targetMonth: month })
    t.equal(result.targetMonth, month)
    t.match(result.counters, {
      endpointMonthlyUsage: 10,
      mspSecurePlusMonthlyUsage: 10,
      edrMonthlyUsage: 4,
      aLaCarteMonthlyUsage: 1,
      exchangeMonthlyUsage: 0
    })
    t.same(result.minimumUsage, { endpointMonthlyUsage: 12 })
    t.ok(Object.keys(result.counters).length >= 25, 'the full counter set')
  })

  t.test("a parent's usage includes its sub-companies', so own share = parent - children", async (t) => {
    const parent = await client.getMonthlyUsage({ companyId: reseller.id, targetMonth: month })
    t.equal(parent.counters.endpointMonthlyUsage, 19)
    t.equal(parent.counters.mspSecureMonthlyUsage, 9)
  })

  t.test('the month selects the snapshot; a month without one reads as zeros', async (t) => {
    t.equal(
      (await client.getMonthlyUsage({ companyId: alpha.id, targetMonth: lastMonth })).counters.endpointMonthlyUsage,
      9
    )
    t.equal(
      (await client.getMonthlyUsage({ companyId: alpha.id, targetMonth: '01/2001' })).counters.endpointMonthlyUsage,
      0
    )
    t.equal((await client.getMonthlyUsage({ companyId: alpha.id })).targetMonth, month, 'the current month by default')
  })

  t.test('given a targetMonth not in mm/yyyy, the call is rejected with -32602 and HTTP 400', async (t) => {
    const error = await client.getMonthlyUsage({ companyId: alpha.id, targetMonth: '2024-07' }).catch((e: unknown) => e)
    t.match(error, { kind: 'rejected', rpcCode: -32602, status: 400, call: 'licensing.getMonthlyUsage' })
    t.match((error as Error).message, /targetMonth/)
  })

  t.test('getMonthlyUsagePerProductType answers one entry per product type', async (t) => {
    const usages = await client.getMonthlyUsagePerProductType({ companyId: alpha.id, targetMonth: month })
    t.same(
      usages.map((u) => u.productType),
      [0, 3]
    )
    t.equal(usages[1]!.counters.edrMonthlyUsage, 3)
    t.equal(usages[0]!.counters.endpointMonthlyUsage, 10)
  })

  t.test('getLicenseInfo answers an array whether the API sends one object or an array', async (t) => {
    const [single] = await client.getLicenseInfo({ companyId: alpha.id })
    t.match(single, { subscriptionType: 3, usedSlots: 4, totalSlots: 50, licenseKey: 'ABC123' })
    const all = await client.getLicenseInfo({ companyId: alpha.id, returnAllProducts: true })
    t.equal(all.length, 1)
  })

  t.test('given a deleted company, usage fails with a not-found', async (t) => {
    sim.state.companies.delete(beta.id)
    const error = await client.getMonthlyUsage({ companyId: beta.id, targetMonth: month }).catch((e: unknown) => e)
    t.match(error, { kind: 'not_found', rpcCode: -32602 })
    t.equal(
      (await client.getMonthlyUsage({ companyId: reseller.id, targetMonth: month })).counters.endpointMonthlyUsage,
      12,
      'and the parent no longer counts it'
    )
  })
})

t.test('a tenant that spells the à-la-carte counter aLaCarteMonhtlyUsage reads the same', async (t) => {
  const sim = await startSimulator(t, { misspeltALaCarte: true })
  const month = usageMonth(sim.clock.now())
  const customer = sim.state.companies.create({ name: 'Misspelt' })
  sim.state.usage.set(customer.id, month, { aLaCarteMonthlyUsage: 6 })
  const client = connect(t, sim)

  const raw = await fetch(`${sim.url}/v1.0/jsonrpc/licensing`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from('gz-test-key-0123456789abcdef:').toString('base64')}`,
      'content-type': 'application/json'
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      method: 'getMonthlyUsage',
      params: { companyId: customer.id, targetMonth: month },
      id: 1
    })
  }).then((r) => r.json() as Promise<{ result: Record<string, unknown> }>)
  t.equal(raw.result.aLaCarteMonhtlyUsage, 6, 'the wire has the misspelling')
  t.notOk('aLaCarteMonthlyUsage' in raw.result)

  const usage = await client.getMonthlyUsage({ companyId: customer.id, targetMonth: month })
  t.equal(usage.counters.aLaCarteMonthlyUsage, 6)
  t.notOk('aLaCarteMonhtlyUsage' in usage.counters)
  const [perType] = await client.getMonthlyUsagePerProductType({ companyId: customer.id, targetMonth: month })
  t.equal(perType!.counters.aLaCarteMonthlyUsage, 6)
})

t.test('the demo seed bills this month and last month, with package counters overlapping', async (t) => {
  const sim = await startSimulator(t, { seed: 'demo' })
  const client = connect(t, sim)
  const month = usageMonth(sim.clock.now())
  const customer = demoCustomers.find((c) => c.on === 'both')!

  const now = await client.getMonthlyUsage({ companyId: customer.companyId, targetMonth: month })
  const before = await client.getMonthlyUsage({ companyId: customer.companyId, targetMonth: previousUsageMonth(month) })

  t.equal(now.counters.endpointMonthlyUsage, customer.endpoints)
  t.equal(now.counters.mspSecureMonthlyUsage, customer.endpoints, 'every endpoint also counts under its package tier')
  t.ok(before.counters.endpointMonthlyUsage! > 0)
  const gzCustomers = demoCustomers.filter((c) => c.on !== 'halopsa')
  const partner = await client.getMonthlyUsage({ targetMonth: month })
  t.equal(
    partner.counters.endpointMonthlyUsage,
    3 + gzCustomers.reduce((n, c) => n + c.endpoints, 0),
    'the partner = its own 3 + every customer'
  )
  t.equal((await client.getCompaniesList()).length, gzCustomers.length)
})
