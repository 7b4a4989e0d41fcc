import t from 'tap'
import fc from 'fast-check'
import { auth, testApp } from '../support/app.js'
import { fact } from '../support/storeFacts.js'

/**
 * Properties of the API's query parsing (audit and event filters, cursors, positions, months), over
 * arbitrary input: any query string gets a 2xx or a 4xx with the documented error shape, never a
 * 5xx (the one 503 allowed is not_configured: the test relay has no platform connections).
 */

const { app, relay, close } = await testApp()
t.teardown(close)
await relay.store.append('mappingRegistry-main', [fact('MappingCreated', { mappingId: 'm1' })])
await relay.store.append('test-1', [fact('CompanyNotFound', { mappingId: 'm1' }), fact('Noise')])
const head = await relay.store.headPosition()

/** Percent-encodes the UTF-8 bytes of a string (a lone surrogate becomes U+FFFD, as a browser sends it). */
const encode = (value: string) =>
  [...Buffer.from(value, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`
    )
    .join('')

const interesting = fc.constantFrom(
  '',
  '0',
  '-1',
  '00',
  '1e400',
  'NaN',
  'Infinity',
  '9223372036854775807',
  '9223372036854775808',
  '18446744073709551616',
  '99999999999999999999999999999999',
  String(head),
  String(head + 1n),
  '2024-02-29',
  '2024-02-30',
  '2024-02-29T10:00:00Z',
  '0000-00-00',
  '12/2025',
  '13/2025',
  '00/2025',
  'active',
  'closed',
  'all',
  'billing',
  'mapping',
  'mappingRegistry-main',
  'MappingCreated,CompanyNotFound',
  'constructor',
  '__proto__',
  'cDo5',
  '\u0000',
  '\uD800',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'x'.repeat(5_000)
)
const value = fc.oneof(
  interesting,
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.integer().map(String)
)
/** Raw pieces a query may hold that no encoder would produce: bad escapes, separators, repeats. */
const rawPiece = fc.constantFrom('%', '%zz', '%E0%A4', '%C0%80', '%00', '&&', '==', '+', ';', '[]', '%26', '%3D')

const queryOf = (keys: readonly string[]) =>
  fc
    .array(
      fc.oneof(
        fc
          .tuple(fc.constantFrom(...keys, 'unknown', '__proto__', 'limit[]'), value)
          .map(([k, v]) => `${encode(k)}=${encode(v)}`),
        rawPiece
      ),
      { maxLength: 8 }
    )
    .map((parts) => parts.join('&'))

type Answer = { statusCode: number; json(): unknown; body: string }

const documented = (res: Answer): boolean => {
  if (res.statusCode >= 500 && !(res.statusCode === 503 && /not_configured/.test(res.body))) return false
  if (res.statusCode < 400) return true
  const body = res.json() as { error?: { code?: unknown; message?: unknown } }
  return typeof body.error?.code === 'string' && typeof body.error.message === 'string'
}

const check = (name: string, keys: readonly string[], url: (query: string) => string, headers = auth(), runs = 300) =>
  t.test(name, async (t) => {
    await fc.assert(
      fc.asyncProperty(queryOf(keys), async (query) => {
        const res = await app.inject({
          method: url(query).startsWith('POST ') ? 'POST' : 'GET',
          url: url(query).replace(/^POST /, ''),
          headers
        })
        if (!documented(res)) throw new Error(`${res.statusCode} ${res.body.slice(0, 300)} for ${url(query)}`)
        if (res.statusCode === 200 && !url(query).startsWith('POST ')) {
          const page = res.json() as { items?: unknown; nextCursor?: unknown }
          if (!Array.isArray(page.items) || !(page.nextCursor === null || typeof page.nextCursor === 'string'))
            throw new Error(`a 200 that is not a page: ${res.body.slice(0, 300)}`)
        }
      }),
      { numRuns: runs }
    )
    t.pass('every answer is 2xx or a documented 4xx')
  })

const auditKeys = ['stream', 'type', 'mappingId', 'from', 'to', 'after', 'limit'] as const
check(
  'given any query, when the audit trail is paged, then the answer is a page or a documented 4xx',
  auditKeys,
  (q) => `/api/audit?${q}`
)
check(
  'given any query, when integration events are listed, then the answer is a page or a documented 4xx',
  ['status', 'category', 'type', 'mappingId', 'limit', 'cursor'],
  (q) => `/api/events?${q}`
)
check(
  'given any query, when a billing run is asked for, then the answer is documented',
  ['month'],
  (q) => `POST /api/billing/run?${q}`
)

t.test('given any query, when the audit trail is exported as NDJSON, then the answer is documented', async (t) => {
  await fc.assert(
    fc.asyncProperty(queryOf(auditKeys), async (query) => {
      const res = await app.inject({
        method: 'GET',
        url: `/api/audit?${query}`,
        headers: { ...auth(), accept: 'application/x-ndjson' }
      })
      if (res.statusCode === 200) {
        for (const line of res.body.split('\n').filter(Boolean)) JSON.parse(line)
        return
      }
      if (!documented(res)) throw new Error(`${res.statusCode} ${res.body.slice(0, 300)} for ${query}`)
    }),
    { numRuns: 150 }
  )
  t.pass('every answer is a whole NDJSON export or a documented 4xx')
})

t.test(
  'given any decimal position, when it is the cursor, then it is accepted exactly when it is within the store',
  async (t) => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.bigInt({ min: 0n, max: head + 3n }), fc.bigInt({ min: 0n, max: 2n ** 80n })),
        async (p) => {
          const res = await app.inject({ method: 'GET', url: `/api/audit?after=${p}`, headers: auth() })
          const expected = p <= head ? 200 : 400
          if (res.statusCode !== expected) throw new Error(`after=${p}: ${res.statusCode} ${res.body}`)
          if (expected === 400 && (res.json() as { error: { code: string } }).error.code !== 'invalid_position')
            throw new Error(`after=${p}: ${res.body}`)
        }
      ),
      { numRuns: 200 }
    )
    t.pass('positions up to the newest fact are cursors; nothing else is')
  }
)

t.test(
  'given any year, month and day, when used as an audit date, then it is accepted exactly when the day exists',
  async (t) => {
    const pad = (n: number, width: number) => String(n).padStart(width, '0')
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        async (y, m, d) => {
          const date = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`
          const res = await app.inject({ method: 'GET', url: `/api/audit?from=${date}`, headers: auth() })
          const exists =
            m >= 1 &&
            m <= 12 &&
            d >= 1 &&
            d <= new Date(Date.UTC(2000, m, 0)).getUTCDate() &&
            !(m === 2 && d === 29 && !((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0))
          if (res.statusCode !== (exists ? 200 : 400)) throw new Error(`from=${date}: ${res.statusCode} ${res.body}`)
        }
      ),
      { numRuns: 300 }
    )
    t.pass('every existing day is accepted and no other')
  }
)

t.test(
  'given any month text, when a billing run is asked for, then MM/YYYY is the only form that passes validation',
  async (t) => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 12 }),
          fc
            .tuple(fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 99999 }))
            .map(([m, y]) => `${String(m).padStart(2, '0')}/${y}`)
        ),
        async (month) => {
          const res = await app.inject({
            method: 'POST',
            url: `/api/billing/run?month=${encode(month)}`,
            headers: auth()
          })
          const valid = /^(0[1-9]|1[0-2])\/\d{4}$/.test(month)
          const expected = valid ? 503 : 400
          if (res.statusCode !== expected) throw new Error(`month=${month}: ${res.statusCode} ${res.body}`)
        }
      ),
      { numRuns: 200 }
    )
    t.pass('valid months reach the (unconfigured) job; others are refused')
  }
)
