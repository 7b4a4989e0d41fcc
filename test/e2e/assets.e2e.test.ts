import t from 'tap'
import { fakeId } from '../../simulators/gravityzone/events/context.js'
import { customers, e2e, type E2E } from '../support/e2e.js'

/**
 * Tickets carry the HaloPSA asset of the endpoint they are about (docs/assets.md), end to end: the
 * inventory poll reads the company's endpoints and the client's assets, the default rule pairs an
 * endpoint with the asset named as its label, an operator's link or unlink wins over the rule, and
 * an endpoint without an asset still gets its ticket.
 */

const [acme] = customers as [(typeof customers)[number]]
const config = { ticketTypeId: 3, closedStatusName: 'Closed', autoCloseBlocked: false, modules: ['av'] }

/** The demo seed's n-th endpoint of Acme (from 1); endpoint 4 has no asset in HaloPSA. */
const endpointId = (n: number) => fakeId('endpoint', acme.companyId, n)

const assetOf = (s: E2E, endpointName: string) =>
  [...s.halopsa.state.data().assets.rows.values()].find(
    (a) => a.client_id === acme.clientId && String(a.key_field).toLowerCase() === endpointName.toLowerCase()
  )

const ticketFor = (s: E2E, endpointName: string) =>
  [...s.halopsa.state.data().tickets.rows.values()].find((x) => String(x.summary).includes(endpointName))

/** A malware detection on one endpoint, pushed by GravityZone; answers the endpoint's name. */
const detect = async (s: E2E, endpoint: string) => {
  const event = s.gravityzone.generate('av', acme.companyId, { endpointId: endpoint, variant: { blocked: false } })
  await s.gravityzone.push.send([{ event }])
  await s.settle()
  return String((event as Record<string, unknown>).computer_name)
}

const setUp = async (t: Parameters<typeof e2e>[0], before?: (s: E2E) => void) => {
  const s = await e2e(t)
  before?.(s)
  const m = await s.map(acme, { ticketing: true })
  t.equal((await s.api('PUT', '/api/config/ticketing', config)).status, 200)
  await s.sync()
  return { s, m }
}

t.test('an endpoint whose label matches a HaloPSA asset gets a ticket with that asset attached', async (t) => {
  const { s, m } = await setUp(t)
  const list = await s.api('GET', `/api/mappings/${m.id}/assets`)
  t.equal(list.status, 200)
  const row = list.body.items.find((i: { endpointId: string }) => i.endpointId === endpointId(1))
  const asset = assetOf(s, row.endpointName)!
  t.ok(asset, 'the demo HaloPSA has an asset named as the endpoint')
  t.match(row, { matchedBy: 'rule', haloAssetId: asset.id, haloAssetName: asset.key_field, ip: String, mac: String })
  t.equal(list.body.nextCursor, null)

  const name = await detect(s, endpointId(1))
  const ticket = ticketFor(s, name)!
  t.match(ticket.assets, [{ id: asset.id }], 'the ticket is created with the asset')
  const endpoint = s.gravityzone.state.endpoints.get(endpointId(1))!
  t.match(ticket.details, new RegExp(`Endpoint: ${name}`))
  t.match(ticket.details, new RegExp(`IP address: ${endpoint.ip.replace(/\./g, '\\.')}`))
  t.match(ticket.details, /MAC address: ([0-9a-f]{2}:){5}[0-9a-f]{2}/)
  t.match(ticket.details, /Module: Malware/)
  t.match(ticket.details, /Action taken by GravityZone: /)
  t.match(ticket.details, new RegExp(`HaloPSA asset: ${String(asset.key_field)}`))
  const created = (await s.api('GET', '/api/audit?type=TicketCreated&limit=10')).body.items
  t.match(created, [{ data: { haloAssetId: asset.id } }], 'the fact names the asset')
})

t.test('a manual link overrides the rule, and an unlink leaves the ticket without an asset', async (t) => {
  const { s, m } = await setUp(t)
  const list = (await s.api('GET', `/api/mappings/${m.id}/assets`)).body.items as {
    endpointId: string
    endpointName: string
  }[]
  const third = list.find((i) => i.endpointId === endpointId(3))!
  const other = assetOf(s, third.endpointName)!

  // Endpoint 2 is linked by hand to the asset the rule gives endpoint 3.
  const linked = await s.api('PUT', `/api/mappings/${m.id}/assets/${endpointId(2)}`, { haloAssetId: other.id })
  t.equal(linked.status, 200)
  t.match(linked.body, { endpointId: endpointId(2), haloAssetId: other.id, matchedBy: 'manual' })
  const after = (await s.api('GET', `/api/mappings/${m.id}/assets`)).body.items as {
    endpointId: string
    matchedBy: string
    haloAssetId?: number
  }[]
  t.match(
    after.find((i) => i.endpointId === endpointId(3)),
    { matchedBy: 'none', haloAssetId: undefined },
    'the rule no longer gives a linked asset to another endpoint'
  )
  t.match(await s.api('PUT', `/api/mappings/${m.id}/assets/${endpointId(2)}`, { haloAssetId: 987654 }), {
    status: 422,
    body: { error: { code: 'unknown_asset' } }
  })
  t.match(await s.api('PUT', `/api/mappings/${m.id}/assets/no-such-endpoint`, { haloAssetId: other.id }), {
    status: 404,
    body: { error: { code: 'endpoint_not_found' } }
  })

  const name = await detect(s, endpointId(2))
  t.match(ticketFor(s, name)!.assets, [{ id: other.id }], "the ticket carries the linked asset, not the rule's")

  // Endpoint 1 is unlinked: the rule's match no longer applies.
  const unlinked = await s.api('DELETE', `/api/mappings/${m.id}/assets/${endpointId(1)}`)
  t.match(unlinked, { status: 200, body: { endpointId: endpointId(1), matchedBy: 'none', override: 'unlink' } })
  const first = await detect(s, endpointId(1))
  t.same(ticketFor(s, first)!.assets, [], 'no asset after an unlink')

  const facts = (await s.api('GET', '/api/audit?limit=200')).body.items.map((f: { type: string }) => f.type)
  t.ok(facts.includes('AssetLinked') && facts.includes('AssetUnlinked') && facts.includes('AssetMatchesChanged'))
})

t.test('an endpoint no HaloPSA asset matches still gets its ticket, without an asset', async (t) => {
  const { s, m } = await setUp(t)
  const unmatched = (await s.api('GET', `/api/mappings/${m.id}/assets?status=unmatched`)).body.items
  t.ok(
    unmatched.some(
      (i: { endpointId: string; matchedBy: string }) => i.endpointId === endpointId(4) && i.matchedBy === 'none'
    ),
    'endpoint 4 has no asset'
  )
  const name = await detect(s, endpointId(4))
  const ticket = ticketFor(s, name)!
  t.ok(ticket, 'a ticket is created')
  t.same(ticket.assets, [])
  t.match(ticket.details, /HaloPSA asset: none matched/)
})

t.test('the matching rule is configuration: a global rule on the MAC address matches by the asset field', async (t) => {
  // Endpoint 4's HaloPSA twin is missing; a spare laptop named otherwise has its MAC address.
  const { s, m } = await setUp(t, (s) => {
    const mac = s.gravityzone.state.endpoints.get(endpointId(4))!.macs[0]!
    s.halopsa.state.data().assets.rows.set(777, {
      id: 777,
      inventory_number: 'SPARE-1',
      key_field: 'Spare laptop',
      client_id: acme.clientId,
      inactive: false,
      fields: [{ id: 102, name: 'MAC Address', value: mac.match(/../g)!.join('-').toUpperCase() }],
      customfields: []
    })
  })
  t.match((await s.api('GET', '/api/config/asset-matching')).body, { gravityzoneField: 'label', mode: 'exact' })
  const bad = await s.api('PUT', '/api/config/asset-matching', { haloField: 'x', gravityzoneField: 'label' })
  t.equal(bad.status, 400)
  const before = (await s.api('GET', `/api/mappings/${m.id}/assets`)).body.items
  t.match(
    before.find((i: { endpointId: string }) => i.endpointId === endpointId(4)),
    { matchedBy: 'none' }
  )

  const rule = { haloField: 'field:102', gravityzoneField: 'mac', mode: 'exact', caseSensitive: false }
  const put = await s.api('PUT', '/api/config/asset-matching', rule)
  t.match(put, { status: 200, body: rule })
  const items = (await s.api('GET', `/api/mappings/${m.id}/assets`)).body.items
  t.match(
    items.find((i: { endpointId: string }) => i.endpointId === endpointId(4)),
    { haloAssetId: 777, matchedBy: 'rule' },
    'matched again at once, by the MAC address whatever its separators'
  )
})
