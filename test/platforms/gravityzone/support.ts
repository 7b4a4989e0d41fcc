import { readFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  createGravityZoneClient,
  type GravityZoneClient,
  type GravityZoneClientOptions
} from '../../../src/platforms/gravityzone/client.js'
import { isPlatformError, type PlatformError } from '../../../src/platforms/transport/errors.js'
import {
  startGravityZoneSimulator,
  type GravityZoneSimulator,
  type GravityZoneSimulatorOptions
} from '../../../simulators/gravityzone/server.js'

type Teardown = { teardown(fn: () => unknown): void }

/** The PlatformError a call fails with (the test fails if it succeeds or throws anything else). */
export const failure = async (promise: Promise<unknown>): Promise<PlatformError> => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  )
  if (!isPlatformError(error)) throw new Error(`expected a PlatformError, got ${String(error)}`)
  return error
}

export const apiKey = 'gz-test-key-0123456789abcdef'

/** A real GravityZone answer from test/fixtures/real/gravityzone (SOURCES.md there). */
export const realAnswer = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../fixtures/real/gravityzone/${name}`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >

/** A simulator on port 0 with its rate limits off unless the test turns them on. */
export const startSimulator = async (
  t: Teardown,
  options: Partial<GravityZoneSimulatorOptions> = {}
): Promise<GravityZoneSimulator> => {
  const sim = await startGravityZoneSimulator({ apiKey, limits: { enabled: false }, ...options })
  t.teardown(() => sim.close())
  return sim
}

/** Budgets wide enough that tests are never paced by the client's own limiter. */
export const wideLimits = {
  general: { limit: 1000, intervalMs: 1000 },
  licensing: { limit: 1000, intervalMs: 1000 },
  push: { limit: 1000, intervalMs: 1000 }
}

export const connect = (
  t: Teardown,
  sim: GravityZoneSimulator,
  options: Partial<GravityZoneClientOptions> = {}
): GravityZoneClient => {
  const client = createGravityZoneClient({
    apiUrl: sim.url,
    apiKey,
    timeoutMs: 5_000,
    retry: { retries: 3, minDelayMs: 5, maxDelayMs: 40, defaultRetryAfterMs: 50 },
    limits: wideLimits,
    ...options
  })
  t.teardown(() => client.close())
  return client
}

export type ReceivedPush = { headers: IncomingHttpHeaders; body: string }

/**
 * A push receiver: a real HTTP server on port 0 that records every request and answers with the
 * status the test sets (200 by default), or never answers when `hang` is set.
 */
export const startReceiver = async (t: Teardown) => {
  const received: ReceivedPush[] = []
  let status = 200
  let hang = false
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      if (hang) return
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'no')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  )
  return {
    url: `http://127.0.0.1:${port}/webhooks/gravityzone`,
    received,
    answer(next: number) {
      status = next
    },
    hangUp(value: boolean) {
      hang = value
    },
    /** Every event delivered so far, in order. */
    events: () =>
      received.flatMap((r) => (JSON.parse(r.body) as { params: { events: Record<string, unknown>[] } }).params.events)
  }
}

/** Push settings pointing at a receiver, every module subscribed unless given. */
export const pushSettings = (
  url: string,
  types: string[] = [
    'av',
    'aph',
    'hd',
    'new-incident',
    'ransomware-mitigation',
    'install',
    'uninstall',
    'network-sandboxing',
    'partner-changed',
    'endpoint-moved-in',
    'endpoint-moved-out'
  ]
) => ({
  status: 1 as const,
  serviceType: 'jsonRPC' as const,
  serviceSettings: { url, requireValidSslCertificate: false, authorization: 'Bearer push-secret-123' },
  subscribeToEventTypes: Object.fromEntries(types.map((type) => [type, true]))
})

/** A raw JSON-RPC request, for what the client never sends. */
export const rawCall = async (
  sim: GravityZoneSimulator,
  path: string,
  body: unknown,
  init: { method?: string; key?: string | null; contentType?: string | null } = {}
) => {
  const headers: Record<string, string> = {}
  if (init.key !== null) headers.authorization = `Basic ${Buffer.from(`${init.key ?? apiKey}:`).toString('base64')}`
  if (init.contentType !== null) headers['content-type'] = init.contentType ?? 'application/json'
  const method = init.method ?? 'POST'
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers,
    ...(method === 'POST' ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {})
  })
  const text = await res.text()
  return {
    status: res.status,
    headers: res.headers,
    json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined
  }
}

export const rpc = (method: string, params: Record<string, unknown> = {}, id: number | string = 1) => ({
  jsonrpc: '2.0',
  method,
  params,
  id
})
