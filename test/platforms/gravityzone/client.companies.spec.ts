import t from 'tap'
import { isPlatformError } from '../../../src/platforms/transport/errors.js'
import { connect, startSimulator } from './support.js'

t.test('companies and network calls against the simulator', async (t) => {
  const sim = await startSimulator(t)
  const { companies, endpoints } = sim.state
  const reseller = companies.create({ name: 'Reseller One', type: 0 })
  const customerA = companies.create({ name: 'Customer Alpha', parentId: reseller.id })
  const customerB = companies.create({ name: 'Customer Beta', parentId: reseller.id, licenseType: 1 })
  const subReseller = companies.create({ name: 'Sub Reseller', type: 0, parentId: reseller.id })
  const customerC = companies.create({ name: 'Customer Gamma', parentId: subReseller.id })
  const customerD = companies.create({ name: 'Direct Delta' })
  const laptop = endpoints.add({ companyId: customerC.id, name: 'GAMMA-LT01' }, { silent: true })
  for (let n = 0; n < 5; n++) endpoints.add({ companyId: customerA.id }, { silent: true })
  const observed: { call: string; outcome: string; status?: number }[] = []
  const client = connect(t, sim, { onCall: (event) => observed.push(event) })

  t.test('getApiKeyDetails names the enabled APIs, and the metrics hook sees the call', async (t) => {
    const details = await client.getApiKeyDetails()
    t.ok(details.enabledApis.includes('licensing') && details.enabledApis.includes('push'))
    t.type(details.createdAt, 'string')
    t.match(observed.at(-1), { call: 'general.getApiKeyDetails', outcome: 'ok', status: 200 })
  })

  t.test('getCompaniesList answers one level, with filters', async (t) => {
    t.same((await client.getCompaniesList()).map((c) => c.name).sort(), ['Direct Delta', 'Reseller One'])
    t.same((await client.getCompaniesList({ parentId: reseller.id })).map((c) => c.name).sort(), [
      'Customer Alpha',
      'Customer Beta',
      'Sub Reseller'
    ])
    t.same(
      (await client.getCompaniesList({ parentId: reseller.id, filters: { companyType: 0 } })).map((c) => c.id),
      [subReseller.id]
    )
    t.same(
      (await client.getCompaniesList({ parentId: reseller.id, filters: { licenseType: 1 } })).map((c) => c.id),
      [customerB.id]
    )
  })

  t.test('given a customer as parentId, getCompaniesList is refused with -32602', async (t) => {
    const error = await client.getCompaniesList({ parentId: customerA.id }).catch((e: unknown) => e)
    t.ok(isPlatformError(error))
    t.match(error, { rpcCode: -32602, status: 400 })
  })

  t.test('walkCompanyTree finds every company, descending into partners only', async (t) => {
    const before = sim.calls.of('network.getCompaniesList')
    const nodes = await client.walkCompanyTree()
    t.same(nodes.map((n) => [n.name, n.type, n.depth]).sort(), [
      ['Customer Alpha', 'customer', 2],
      ['Customer Beta', 'customer', 2],
      ['Customer Gamma', 'customer', 3],
      ['Direct Delta', 'customer', 1],
      ['Reseller One', 'partner', 1],
      ['Sub Reseller', 'partner', 2]
    ])
    t.equal(nodes.find((n) => n.id === customerC.id)?.parentId, subReseller.id)
    t.equal(nodes.find((n) => n.id === reseller.id)?.parentId, null)
    // Two calls per partner (all children, partner children); none for customers.
    t.equal(sim.calls.of('network.getCompaniesList') - before, 6)
  })

  t.test("getCompanyDetails answers the key's own company by default and any company below it", async (t) => {
    const own = await client.getCompanyDetails()
    t.equal(own.id, sim.state.rootId)
    t.equal(own.type, 0)
    const details = await client.getCompanyDetails(customerC.id)
    t.match(details, {
      id: customerC.id,
      name: 'Customer Gamma',
      type: 1,
      isSuspended: false,
      parentCompanyId: subReseller.id
    })
  })

  t.test('a suspended company reads isSuspended; suspended recursively, its children too', async (t) => {
    sim.state.companies.setSuspended(subReseller.id, true, true)
    t.equal((await client.getCompanyDetails(customerC.id)).isSuspended, true)
    sim.state.companies.setSuspended(subReseller.id, false, true)
    t.equal((await client.getCompanyDetails(customerC.id)).isSuspended, false)
  })

  t.test('findCompaniesByName matches prefixes, and with a leading * anywhere in the name', async (t) => {
    t.same((await client.findCompaniesByName('Customer')).map((c) => c.name).sort(), [
      'Customer Alpha',
      'Customer Beta',
      'Customer Gamma'
    ])
    t.same(
      (await client.findCompaniesByName('*delta')).map((c) => c.id),
      [customerD.id]
    )
    t.equal((await client.findCompaniesByName('Customer', 2)).length, 2)
  })

  t.test("getManagedEndpointDetails answers the endpoint's company", async (t) => {
    t.match(await client.getManagedEndpointDetails(laptop.id), {
      id: laptop.id,
      name: 'GAMMA-LT01',
      companyId: customerC.id
    })
    const error = await client.getManagedEndpointDetails('000000000000000000000000').catch((e: unknown) => e)
    t.match(error, { kind: 'not_found', rpcCode: -32602, call: 'network.getManagedEndpointDetails' })
  })

  t.test("getEndpointsList pages through a company's endpoints", async (t) => {
    const first = await client.getEndpointsList({ parentId: customerA.id, page: 1, perPage: 2 })
    t.match(first, { page: 1, perPage: 2, total: 5, pagesCount: 3 })
    t.equal(first.items.length, 2)
    const own = new Set(sim.state.endpoints.ofCompany(customerA.id).map((e) => e.id))
    t.ok(
      first.items.every((e) => own.has(e.id)),
      "only the company's endpoints"
    )
    t.ok(
      first.items.every((e) => e.companyId === undefined),
      'items carry no companyId, as in the published example'
    )
  })

  t.test('getNetworkInventoryItems v1.0 refuses perPage above 100; v1.1 takes up to 1000', async (t) => {
    const error = await client.getNetworkInventoryItems({ perPage: 500 }, 'v1.0').catch((e: unknown) => e)
    t.match(error, { kind: 'rejected', rpcCode: -32602, status: 400 })
    const page = await client.getNetworkInventoryItems({
      perPage: 500,
      filters: { type: { companies: true }, depth: { allItemsRecursively: true } }
    })
    t.equal(page.total, 6)
  })

  t.test('given a deleted company, details fail with a not-found the caller can detect', async (t) => {
    sim.state.companies.delete(customerD.id)
    const error = await client.getCompanyDetails(customerD.id).catch((e: unknown) => e)
    t.ok(isPlatformError(error))
    t.match(error, {
      kind: 'not_found',
      rpcCode: -32602,
      status: 400,
      platform: 'gravityzone',
      call: 'companies.getCompanyDetails'
    })
    t.notOk(
      (await client.getCompaniesList()).some((c) => c.id === customerD.id),
      'gone from the list too'
    )
  })
})

t.test('the inventory listing covers thousands of companies in one call per thousand', async (t) => {
  const sim = await startSimulator(t)
  const resellers = Array.from({ length: 5 }, (_, i) => sim.state.companies.create({ name: `Reseller ${i}`, type: 0 }))
  for (let i = 0; i < 2495; i++)
    sim.state.companies.create({ name: `Customer ${i}`, parentId: resellers[i % 5]!.id, isSuspended: i === 7 })
  const client = connect(t, sim)

  const companies = await client.listAllCompanies()

  t.equal(companies.length, 2500)
  t.equal(new Set(companies.map((c) => c.id)).size, 2500, 'no company twice')
  t.equal(sim.calls.of('network.getNetworkInventoryItems'), 3, 'ceil(2500 / 1000) calls, not one per company')
  t.equal(sim.calls.snapshot().total, 3, 'and nothing else')
  // Company items carry no documented `details` (the doc lists them for computers and VMs only),
  // so neither the company type nor the suspension is known from this listing.
  t.same(
    companies.find((c) => c.name === 'Customer 7'),
    { id: companies.find((c) => c.name === 'Customer 7')!.id, name: 'Customer 7', parentId: resellers[2]!.id }
  )
  t.match(
    companies.find((c) => c.name === 'Reseller 0'),
    { parentId: sim.state.rootId }
  )
})
