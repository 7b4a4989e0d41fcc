import t from 'tap'
import { connect, type Socket } from 'node:net'
import { request } from 'undici'
import { dashboardRoutes } from '../../src/http/routes/dashboard.js'
import { clientErrorHandler } from '../../src/http/plugins/protocolErrors.js'
import { auth, testApp } from '../support/app.js'

/**
 * What the relay answers to requests that never reach a route, written on a raw socket (an HTTP
 * client would refuse to send most of them), and the headers every API answer carries.
 */

const { app, close } = await testApp({ plugins: [dashboardRoutes()] })
t.teardown(close)
const base = await app.listen({ port: 0, host: '127.0.0.1' })
const port = Number(new URL(base).port)

/** Sends raw bytes and reads until the server closes the connection (or 5 s pass). */
const raw = (text: string): Promise<string> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text))
    let answer = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      answer += chunk
      // A complete answer with a body: stop reading (keep-alive would hold the socket open).
      const [head, body] = answer.split('\r\n\r\n')
      const length = /content-length: (\d+)/i.exec(head ?? '')?.[1]
      if (length !== undefined && body !== undefined && Buffer.byteLength(body) >= Number(length)) socket.end()
    })
    const timer = setTimeout(() => socket.destroy(), 5_000)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(answer)
    })
    socket.on('error', () => undefined)
  })

const parsed = (answer: string) => {
  const [head, ...rest] = answer.split('\r\n\r\n')
  const lines = head!.split('\r\n')
  const status = Number(lines[0]!.split(' ')[1])
  const headers = Object.fromEntries(
    lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()])
  )
  return { status, headers, body: JSON.parse(rest.join('\r\n\r\n')) as { error: { code: string; message: string } } }
}

const cases: [string, string, number, string][] = [
  [
    'a request line and headers over the limit',
    `GET /health HTTP/1.1\r\nHost: x\r\nX-A: ${'a'.repeat(20_000)}\r\n\r\n`,
    431,
    'header_fields_too_large'
  ],
  [
    'a URL over the header limit',
    `GET /api/audit?x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    431,
    'header_fields_too_large'
  ],
  [
    'a path parameter over its limit',
    `GET /api/events/${'a'.repeat(1_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    414,
    'uri_too_long'
  ],
  ['a URL that does not decode', 'GET /api/%zz HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'invalid_url'],
  ['bytes that are not HTTP', 'HELLO\r\n\r\n', 400, 'bad_request']
]

for (const [what, text, status, code] of cases) {
  t.test(
    `given ${what}, when it reaches the relay, then the answer is ${status} with the API's error shape`,
    async (t) => {
      const answer = parsed(await raw(text))
      t.equal(answer.status, status)
      t.match(answer.headers['content-type'], /^application\/json/)
      t.equal(answer.headers['x-content-type-options'], 'nosniff')
      t.equal(answer.body.error.code, code)
      t.type(answer.body.error.message, 'string')
      t.ok(JSON.stringify(answer.body).length < 500, 'nothing of the request is quoted back')
    }
  )
}

t.test(
  'given a request that took too long to arrive, when Node gives up on it, then the answer is 408 in the same shape',
  async (t) => {
    // Node checks request timeouts every 30 s; the handler is called directly with the error it gets.
    let written = ''
    let destroyed = false
    const socket = {
      destroyed: false,
      writable: true,
      write: (text: string) => (written += text),
      destroy: () => (destroyed = true)
    } as unknown as Socket
    clientErrorHandler(Object.assign(new Error('timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), socket)
    t.match(written, /^HTTP\/1\.1 408 Request Timeout\r\n/)
    t.equal(JSON.parse(written.split('\r\n\r\n')[1]!).error.code, 'request_timeout')
    t.ok(destroyed, 'and the connection is closed')
  }
)

t.test('given any API answer, then it is neither cached nor sniffed', async (t) => {
  for (const [url, headers, status] of [
    ['/api/events', auth(), 200],
    ['/api/events', {}, 401],
    ['/api/nowhere', auth(), 404],
    ['/health', {}, 200],
    ['/docs/openapi.json', {}, 200]
  ] as const) {
    const res = await request(`${base}${url}`, { headers })
    await res.body.dump()
    t.equal(res.statusCode, status, url)
    t.equal(res.headers['cache-control'], 'no-store', `${url}: Cache-Control`)
    t.equal(res.headers['x-content-type-options'], 'nosniff', `${url}: X-Content-Type-Options`)
  }
  const live = new AbortController()
  const sse = await request(`${base}/api/audit/live`, { headers: auth(), signal: live.signal })
  t.equal(sse.headers['cache-control'], 'no-store', 'the live stream too')
  t.equal(sse.headers['x-content-type-options'], 'nosniff')
  live.abort()
  await sse.body.dump().catch(() => undefined)
  const ndjson = await request(`${base}/api/audit`, { headers: { ...auth(), accept: 'application/x-ndjson' } })
  await ndjson.body.dump()
  t.equal(ndjson.headers['cache-control'], 'no-store', 'and the export')
  t.equal(ndjson.headers['x-content-type-options'], 'nosniff')
})

t.test('given the dashboard, then its static files keep their own revalidation rule', async (t) => {
  const res = await request(`${base}/`)
  await res.body.dump()
  t.equal(res.statusCode, 200)
  t.equal(res.headers['cache-control'], 'no-cache')
})
