import t from 'tap'
import { request } from 'undici'
import { auth, testApp } from '../support/app.js'
import { fact } from '../support/storeFacts.js'

// Edges of the API's input: positions outside the store, impossible dates, usage counters billing
// does not know, and how much of a bad input an error quotes back.

t.test('positions outside the store are refused with invalid_position', async (t) => {
  const { app, relay, close } = await testApp()
  t.teardown(close)
  await relay.store.append('test-1', [fact('MappingCreated', { mappingId: 'm1' }), fact('MappingDeleted')])
  const head = await relay.store.headPosition()
  const base = await app.listen({ port: 0, host: '127.0.0.1' })

  t.test('given a cursor past the newest fact or beyond 64 bits, when a page is asked for, then 400', async (t) => {
    for (const after of ['9223372036854775807', String(head + 1n), '99999999999999999999999', '-1', '1e3', 'abc']) {
      const res = await app.inject({ method: 'GET', url: `/api/audit?after=${after}`, headers: auth() })
      t.equal(res.statusCode, 400, `after=${after}`)
      t.equal(res.json().error.code, 'invalid_position', `after=${after}`)
    }
    const atHead = await app.inject({ method: 'GET', url: `/api/audit?after=${head}`, headers: auth() })
    t.same(atHead.json(), { items: [], nextCursor: null }, 'the newest fact itself is a valid cursor')
    const ndjson = await app.inject({
      method: 'GET',
      url: '/api/audit?after=9223372036854775807',
      headers: { ...auth(), accept: 'application/x-ndjson' }
    })
    t.equal(ndjson.statusCode, 400, 'the export refuses it before streaming')
  })

  t.test(
    'given a Last-Event-ID past the newest fact, when the live tail is asked for, then 400, not a stream',
    async (t) => {
      for (const id of ['9223372036854775807', String(head + 1n), 'junk']) {
        const res = await request(`${base}/api/audit/live`, { headers: { ...auth(), 'last-event-id': id } })
        t.equal(res.statusCode, 400, `Last-Event-ID: ${id}`)
        t.equal(((await res.body.json()) as { error: { code: string } }).error.code, 'invalid_position')
      }
    }
  )
})

t.test('given an impossible calendar date in an audit filter, when asked, then 400', async (t) => {
  const { app, close } = await testApp()
  t.teardown(close)
  for (const when of ['2024-02-30', '2023-02-29', '2024-13-01', '2024-04-31T10:00:00Z', '2024-01-01T24:00:00Z']) {
    const res = await app.inject({ method: 'GET', url: `/api/audit?from=${when}`, headers: auth() })
    t.equal(res.statusCode, 400, when)
    t.equal(res.json().error.code, 'invalid_request')
  }
  for (const when of ['2024-02-29', '2024-02-29T23:59:59.999Z', '2024-02-29T10:00+01:00']) {
    const res = await app.inject({ method: 'GET', url: `/api/audit?to=${encodeURIComponent(when)}`, headers: auth() })
    t.equal(res.statusCode, 200, when)
  }
})

t.test('billing maps only the usage counters GravityZone reports', async (t) => {
  const { app, close } = await testApp()
  t.teardown(close)

  t.test(
    'given a counter name that is not a GravityZone counter, when the item mapping is saved, then 400 and nothing is kept',
    async (t) => {
      for (const counter of ['constructor', 'toString', '__proto__', 'endpointMonthlyUsge']) {
        const res = await app.inject({
          method: 'PUT',
          url: '/api/config/billing',
          headers: { ...auth(), 'content-type': 'application/json' },
          payload: `{"items":{"${counter}":12}}`
        })
        t.equal(res.statusCode, 400, counter)
      }
      const stored = await app.inject({ method: 'GET', url: '/api/config/billing', headers: auth() })
      t.same(stored.json(), { items: {} })
      const custom = await app.inject({
        method: 'POST',
        url: '/api/mappings',
        headers: auth(),
        payload: {
          gravityzoneCompanyId: 'a1a1a1a1a1a1a1a1a1a1a1a1',
          halopsaClientId: 5,
          billing: { enabled: true, items: { constructor: 12 } }
        }
      })
      t.equal(custom.statusCode, 400, 'custom billing of a mapping too')
    }
  )

  t.test('given known counters, in either spelling GravityZone uses, when saved, then they are kept', async (t) => {
    const items = { aLaCarteMonhtlyUsage: 13, edrMonthlyUsage: 12, phasrMonthlyUsage: 14 }
    const res = await app.inject({ method: 'PUT', url: '/api/config/billing', headers: auth(), payload: { items } })
    t.equal(res.statusCode, 200)
    t.same(res.json(), { items })
  })
})

t.test(
  'given a validation error on a huge input, when it is answered, then only a bounded part is quoted',
  async (t) => {
    const { app, close } = await testApp()
    t.teardown(close)
    const big = 'k'.repeat(300_000)
    const keys = Object.fromEntries(Array.from({ length: 3 }, (_, i) => [`${big}${i}`, 1]))
    for (const [url, method, payload] of [
      ['/api/config/billing', 'PUT', { items: keys }],
      ['/api/mappings', 'POST', { gravityzoneCompanyId: big, halopsaClientId: 1, [big]: 1 }]
    ] as const) {
      const res = await app.inject({ method, url, headers: auth(), payload })
      t.equal(res.statusCode, 400, url)
      t.ok(
        res.body.length < 16_000,
        `${url}: ${res.body.length} bytes answered for a ${JSON.stringify(payload).length}-byte body`
      )
      t.match(res.json().error, { code: 'invalid_request', details: { issues: Array } })
    }
    const unknown = await app.inject({ method: 'GET', url: `/api/${'p'.repeat(10_000)}`, headers: auth() })
    t.equal(unknown.statusCode, 404)
    t.ok(unknown.body.length < 1_000, 'a long unknown path is not quoted whole')
  }
)
