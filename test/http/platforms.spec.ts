import t from 'tap'
import { auth, testApp, tokens } from '../support/app.js'
import { seedDirectory } from '../support/directory.js'

// Given directories recorded by the polls, when the dashboard asks for companies, clients and
// HaloPSA's lists, then they come by name, paged, filtered by part of the name and by whether a
// mapping uses them, for any token; suggestions pair unmapped names; whoami names the token.

const hex = (n: number) => n.toString(16).padStart(24, '0')
const ctx = await testApp({
  platforms: {
    directory: {
      company: async (id) => ({ id, name: `Company ${id}` }),
      client: async (id) => ({ id, name: `Client ${id}`, inactive: false })
    }
  }
})
t.teardown(ctx.close)

type Page<T> = { items: T[]; nextCursor: string | null }
type Item = { id: string | number; name: string; mappingId?: string; inactive?: boolean }
const get = async <T = Page<Item>>(url: string, token = tokens.reader) => {
  const res = await ctx.app.inject({ method: 'GET', url, headers: auth(token) })
  return { status: res.statusCode, body: res.json() as T }
}
const names = (page: { items: Item[] }) => page.items.map((i) => i.name)
const map = async (gravityzoneCompanyId: string, halopsaClientId: number): Promise<string> => {
  const created = await ctx.app.inject({
    method: 'POST',
    url: '/api/mappings',
    headers: auth(),
    payload: { gravityzoneCompanyId, halopsaClientId }
  })
  if (created.statusCode !== 201) throw new Error(`mapping answered ${created.statusCode}`)
  return created.json().id
}

await seedDirectory(ctx.relay, 'gravityzone', 'companies', [
  { id: hex(1), name: 'Acme Dental Group' },
  { id: hex(2), name: 'birchwood legal' },
  { id: hex(3), name: 'Cobalt Logistics' },
  { id: hex(4), name: 'Dunmore Veterinary' },
  { id: hex(5), name: 'Northwind Managed Services', partner: true }
])
await seedDirectory(ctx.relay, 'halopsa', 'clients', [
  { id: 101, name: 'Acme Dental Group Ltd' },
  { id: 102, name: 'Birchwood Legal LLP' },
  { id: 103, name: 'Cobalt Logistics' },
  { id: 104, name: 'Elmstead Primary School', inactive: true },
  { id: 105, name: 'Dunmore Veterinary Practice' }
])
await seedDirectory(ctx.relay, 'halopsa', 'priorities', [
  { id: 4, name: 'Low' },
  { id: 1, name: 'Critical' }
])

t.test('companies come sorted by name, case aside, and page with a cursor until nextCursor is null', async (t) => {
  const first = await get('/api/platforms/gravityzone/companies?limit=2')
  t.equal(first.status, 200)
  t.same(names(first.body), ['Acme Dental Group', 'birchwood legal'])
  t.type(first.body.nextCursor, 'string')
  const second = await get(`/api/platforms/gravityzone/companies?limit=2&cursor=${first.body.nextCursor}`)
  t.same(names(second.body), ['Cobalt Logistics', 'Dunmore Veterinary'])
  const third = await get(`/api/platforms/gravityzone/companies?limit=2&cursor=${second.body.nextCursor}`)
  t.same(names(third.body), ['Northwind Managed Services'])
  t.equal(third.body.nextCursor, null)
  t.match(third.body.items[0], { id: hex(5), partner: true })
})

t.test('q keeps names that contain it, whatever the case', async (t) => {
  t.same(names((await get('/api/platforms/gravityzone/companies?q=LOG')).body), ['Cobalt Logistics'])
  t.same(names((await get('/api/platforms/halopsa/clients?q=%20dental%20')).body), ['Acme Dental Group Ltd'])
  t.same((await get('/api/platforms/halopsa/clients?q=nothing-like-this')).body, { items: [], nextCursor: null })
})

t.test(
  'unmapped=true leaves out what a mapping uses, and inactive clients; the others name their mapping',
  async (t) => {
    const mappingId = await map(hex(3), 103)
    t.notOk(names((await get('/api/platforms/gravityzone/companies?unmapped=true')).body).includes('Cobalt Logistics'))
    t.same(names((await get('/api/platforms/halopsa/clients?unmapped=true')).body), [
      'Acme Dental Group Ltd',
      'Birchwood Legal LLP',
      'Dunmore Veterinary Practice'
    ])
    t.match((await get('/api/platforms/halopsa/clients?q=cobalt')).body.items, [{ id: 103, mappingId }])
    t.match((await get('/api/platforms/halopsa/clients?q=elmstead')).body.items, [{ id: 104, inactive: true }])
    t.equal(
      (await ctx.app.inject({ method: 'DELETE', url: `/api/mappings/${mappingId}`, headers: auth() })).statusCode,
      204
    )
  }
)

t.test("HaloPSA's items, ticket types, statuses and priorities page the same way", async (t) => {
  t.same((await get('/api/platforms/halopsa/priorities')).body, {
    items: [
      { id: 1, name: 'Critical' },
      { id: 4, name: 'Low' }
    ],
    nextCursor: null
  })
  for (const list of ['items', 'ticket-types', 'statuses'])
    t.same((await get(`/api/platforms/halopsa/${list}`)).body, { items: [], nextCursor: null }, `${list} before a poll`)
})

t.test('a poll that sees a rename, a removal and a new entry records only those, and the lists follow', async (t) => {
  const facts = await seedDirectory(ctx.relay, 'halopsa', 'priorities', [
    { id: 1, name: 'Urgent' },
    { id: 2, name: 'High' }
  ])
  t.equal(facts, 1)
  t.same(names((await get('/api/platforms/halopsa/priorities')).body), ['High', 'Urgent'])
  t.equal(
    await seedDirectory(ctx.relay, 'halopsa', 'priorities', [
      { id: 2, name: 'High' },
      { id: 1, name: 'Urgent' }
    ]),
    0,
    'the same list again records nothing'
  )
})

t.test('a cursor survives entries added before it, and a forged one is refused with 400', async (t) => {
  const first = await get('/api/platforms/gravityzone/companies?limit=1')
  await seedDirectory(ctx.relay, 'gravityzone', 'companies', [
    { id: hex(0), name: 'Aardvark Books' },
    { id: hex(1), name: 'Acme Dental Group' },
    { id: hex(2), name: 'birchwood legal' },
    { id: hex(3), name: 'Cobalt Logistics' },
    { id: hex(4), name: 'Dunmore Veterinary' },
    { id: hex(5), name: 'Northwind Managed Services', partner: true }
  ])
  t.same(names((await get(`/api/platforms/gravityzone/companies?limit=1&cursor=${first.body.nextCursor}`)).body), [
    'birchwood legal'
  ])
  for (const cursor of ['not-a-cursor', Buffer.from('["a"]').toString('base64url')]) {
    const bad = await get<{ error: { code: string } }>(`/api/platforms/gravityzone/companies?cursor=${cursor}`)
    t.equal(bad.status, 400)
    t.equal(bad.body.error.code, 'invalid_cursor')
  }
  t.equal((await get('/api/platforms/halopsa/clients?limit=501')).status, 400, 'limit is bounded')
  t.equal((await get('/api/platforms/halopsa/clients?unmapped=yes')).status, 400)
})

t.test('every directory route needs a token; a read token is enough', async (t) => {
  for (const path of [
    'gravityzone/companies',
    'halopsa/clients',
    'halopsa/items',
    'halopsa/ticket-types',
    'halopsa/statuses',
    'halopsa/priorities'
  ]) {
    t.equal((await ctx.app.inject({ method: 'GET', url: `/api/platforms/${path}` })).statusCode, 401, path)
    t.equal((await get(`/api/platforms/${path}`, tokens.reader)).status, 200, path)
  }
  t.equal((await ctx.app.inject({ method: 'GET', url: '/api/mappings/suggestions' })).statusCode, 401)
  t.equal((await ctx.app.inject({ method: 'GET', url: '/api/whoami' })).statusCode, 401)
})

t.test('suggestions pair unmapped companies and active clients by name, exact first, each name once', async (t) => {
  type S = {
    gravityzoneCompany: { id: string; name: string }
    halopsaClient: { id: number; name: string }
    confidence: number
    exact: boolean
  }
  const res = await get<Page<S>>('/api/mappings/suggestions')
  t.equal(res.status, 200)
  t.same(
    res.body.items.map((s) => [s.gravityzoneCompany.name, s.halopsaClient.name, s.exact]),
    [
      ['Acme Dental Group', 'Acme Dental Group Ltd', true],
      ['birchwood legal', 'Birchwood Legal LLP', true],
      ['Cobalt Logistics', 'Cobalt Logistics', true],
      ['Dunmore Veterinary', 'Dunmore Veterinary Practice', false]
    ]
  )
  t.same(
    res.body.items.slice(0, 3).map((s) => s.confidence),
    [1, 1, 1]
  )
  t.ok(res.body.items[3]!.confidence >= 0.5 && res.body.items[3]!.confidence < 1)
  t.equal((await get<Page<S>>('/api/mappings/suggestions?minConfidence=0.95')).body.items.length, 3)
  t.equal((await get<Page<S>>('/api/mappings/suggestions?limit=1')).body.items.length, 1)

  await map(hex(1), 101)
  t.notOk(
    (await get<Page<S>>('/api/mappings/suggestions')).body.items.some((s) => s.halopsaClient.id === 101),
    'a mapped pair is suggested no more'
  )
})

t.test('whoami names the token and its scope', async (t) => {
  t.same((await get('/api/whoami', tokens.reader)).body, { name: 'grafana', scope: 'read' })
  t.same((await get('/api/whoami', tokens.operator)).body, { name: 'alice', scope: 'operate' })
})
