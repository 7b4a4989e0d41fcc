import t from 'tap'
import { clientRow } from '../../simulators/halopsa/rows.js'
import { demoCustomers } from '../../simulators/kit/demoSeed.js'
import { customers, e2e } from '../support/e2e.js'

/**
 * The platform directories end to end: a poll of the simulated platforms records what it read as
 * DirectoryChanged facts (only changes, in chunks of bounded size), and the directory API answers
 * from them without calling a platform.
 */

type Item = { id: string | number; name: string; inactive?: boolean; partner?: boolean; mappingId?: string }
const [acme, birch] = customers as [(typeof customers)[number], (typeof customers)[number]]

t.test('a poll records every list it read, a second records nothing, and a change is recorded as one', async (t) => {
  const s = await e2e(t)
  const first = await s.sync()
  t.same(first.errors, [])
  t.ok(first.changes.includes('DirectoryChanged'))
  const facts = (await s.api('GET', '/api/audit?type=DirectoryChanged&limit=100')).body.items
  t.same(
    facts.map((f: { stream: string }) => f.stream).sort(),
    [
      'directory-gravityzone_companies',
      'directory-halopsa_clients',
      'directory-halopsa_items',
      'directory-halopsa_priorities',
      'directory-halopsa_statuses',
      'directory-halopsa_ticketTypes'
    ],
    'one fact per list'
  )

  const companies = (await s.api('GET', '/api/platforms/gravityzone/companies?limit=500')).body.items as Item[]
  const inGravityZone = demoCustomers.filter((c) => c.on !== 'halopsa')
  for (const c of inGravityZone)
    t.ok(
      companies.some((x) => x.id === c.companyId && x.name === c.name),
      c.name
    )
  const clients = (await s.api('GET', '/api/platforms/halopsa/clients?limit=500')).body.items as Item[]
  t.equal(
    clients.filter((x) => demoCustomers.some((c) => c.clientId === x.id)).length,
    demoCustomers.filter((c) => c.on !== 'gravityzone').length
  )
  const priorities = (await s.api('GET', '/api/platforms/halopsa/priorities')).body.items as Item[]
  t.ok(priorities.length > 0 && priorities.every((p) => typeof p.id === 'number'), 'priorities by number, once each')
  t.equal(new Set(priorities.map((p) => p.id)).size, priorities.length)
  t.ok((await s.api('GET', '/api/platforms/halopsa/ticket-types')).body.items.some((x: Item) => x.name === 'Incident'))
  t.ok((await s.api('GET', '/api/platforms/halopsa/statuses')).body.items.some((x: Item) => x.name === 'Closed'))
  t.ok((await s.api('GET', '/api/platforms/halopsa/items')).body.items.length > 0)

  t.same((await s.sync()).changes, [], 'a second poll of the same state appends nothing')

  s.halopsa.state.updateClient(acme.clientId, { name: 'Acme Dental Group (North)' })
  s.halopsa.state.deleteClient(birch.clientId)
  const third = await s.sync()
  t.same(
    third.changes.filter((c: string) => c === 'DirectoryChanged'),
    ['DirectoryChanged'],
    'one fact for the clients, none for the other lists'
  )
  const change = (
    await s.api('GET', '/api/audit?type=DirectoryChanged&stream=directory-halopsa_clients&limit=100')
  ).body.items.at(-1)
  t.match(change.data, {
    platform: 'halopsa',
    kind: 'clients',
    added: [],
    removed: [birch.clientId],
    changed: [{ id: acme.clientId, name: 'Acme Dental Group (North)' }]
  })
  const after = (await s.api('GET', '/api/platforms/halopsa/clients?q=acme')).body.items as Item[]
  t.match(after, [{ id: acme.clientId, name: 'Acme Dental Group (North)' }])
  t.same((await s.api('GET', '/api/platforms/halopsa/clients?q=birchwood')).body.items, [])
})

t.test('a first snapshot of thousands of long names is recorded in facts of at most 256 KB each', async (t) => {
  const s = await e2e(t)
  const data = s.halopsa.state.data()
  const now = Date.now()
  for (let i = 0; i < 6_000; i++) {
    const id = 50_000 + i
    data.clients.rows.set(id, clientRow(id, { name: `Customer ${i} ${'with a long trading name '.repeat(8)}` }, now))
  }
  const report = await s.sync()
  t.same(report.errors, [])
  const facts = (await s.api('GET', '/api/audit?stream=directory-halopsa_clients&limit=100')).body.items as {
    data: { added: unknown[] }
  }[]
  t.ok(facts.length > 1, `${facts.length} facts`)
  for (const f of facts) t.ok(JSON.stringify(f.data).length <= 256 * 1024, `${JSON.stringify(f.data).length} bytes`)
  t.equal(
    facts.reduce((n, f) => n + f.data.added.length, 0),
    data.clients.rows.size,
    'every client once'
  )
  let listed = 0
  let cursor: string | null = null
  do {
    const page: { body: { items: Item[]; nextCursor: string | null } } = await s.api(
      'GET',
      `/api/platforms/halopsa/clients?limit=500${cursor ? `&cursor=${cursor}` : ''}`
    )
    listed += page.body.items.length
    cursor = page.body.nextCursor
  } while (cursor)
  t.equal(listed, data.clients.rows.size, 'paging through the API lists each once')
  t.same((await s.sync()).changes, [])
})
