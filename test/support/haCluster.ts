import type { Test } from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import { startGravityZoneSimulator } from '../../simulators/gravityzone/server.js'
import { startHaloPsaSimulator } from '../../simulators/halopsa/server.js'
import { demoCustomers } from '../../simulators/kit/demoSeed.js'
import { loadConfig } from '../../src/config.js'
import { composeRelay } from '../../src/compose.js'
import { openEventStoreDbStore } from '../../src/store/eventstoredb/eventStoreDbStore.js'
import { pushMd5 } from '../../src/platforms/gravityzone/push.js'
import type { StoredFact } from '../../src/store/port.js'
import { startEsdbStandIn } from './esdbStandIn/index.js'
import { singleHost, startTcpProxy, through } from './esdbStandIn/tcpProxy.js'
import { auth, tokens, webhookSecrets } from './app.js'
import { relayEnvironment, startRelayProcess, type RelayProcess } from './relayProcess.js'

/**
 * Several relay processes on one EventStoreDB (the gRPC stand-in), with both platform simulators
 * in the test process: what the leadership tests run on (test/ha/). Each relay reaches the store
 * through its own TCP proxy (so one can be cut off) and GravityZone through its own HTTP proxy,
 * which logs the JSON-RPC methods it forwards with the relay's name and the time: the simulator's
 * call log, per relay. Lease settings are short (renewals every 200 ms, a lease of 2 s).
 */

export const LEASE = { renewMs: 200, ttlMs: 2_000 }

export const [acme] = demoCustomers.filter((c) => c.on === 'both' && c.billed) as [(typeof demoCustomers)[number]]

type GzCall = { relay: string; method: string; at: number }

/** An HTTP proxy to the GravityZone simulator that logs each JSON-RPC method with the relay's name. */
const loggingProxy = async (relay: string, target: string, log: GzCall[]) => {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      try {
        const method = (JSON.parse(body.toString('utf8')) as { method?: unknown }).method
        if (typeof method === 'string') log.push({ relay, method, at: performance.now() })
      } catch {
        // Not JSON-RPC: forwarded all the same.
      }
      const { host: _host, connection: _connection, 'content-length': _length, ...headers } = req.headers
      request(`${target}${req.url}`, { method: req.method as 'POST', headers, body }).then(
        async (answer) => {
          res.writeHead(answer.statusCode, { 'content-type': String(answer.headers['content-type'] ?? 'text/plain') })
          res.end(Buffer.from(await answer.body.arrayBuffer()))
        },
        () => res.destroy()
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

export const startCluster = async (t: Test) => {
  const standIn = await startEsdbStandIn()
  const gravityzone = await startGravityZoneSimulator({ apiKey: webhookSecrets.gravityzoneApiKey, seed: 'demo' })
  const base = relayEnvironment(standIn.url)
  const halopsa = await startHaloPsaSimulator({
    clientId: base.HALO_CLIENT_ID!,
    clientSecret: base.HALO_CLIENT_SECRET!,
    seed: 'demo',
    rateLimit: { limit: 10_000, windowMs: 300_000 }
  })
  const reader = openEventStoreDbStore({ connectionString: standIn.url })
  const gzCalls: GzCall[] = []
  const relays: RelayProcess[] = []
  const closers: (() => Promise<void>)[] = []
  t.teardown(async () => {
    for (const relay of relays) relay.signal('SIGKILL')
    await Promise.all(relays.map((r) => r.exited))
    for (const close of closers) await close()
    await reader.close()
    await gravityzone.close()
    await halopsa.close()
    await standIn.stop()
  })

  const environment = (name: string, storeUrl: string, gzUrl: string): Record<string, string> => ({
    ...relayEnvironment(storeUrl),
    API_TOKENS: `grafana:read:${tokens.reader},operator:operate:${tokens.operator}`,
    GZ_API_URL: `${gzUrl}/api`,
    HALO_URL: halopsa.url,
    INSTANCE_ID: name,
    LEASE_RENEW_MS: String(LEASE.renewMs),
    LEASE_TTL_MS: String(LEASE.ttlMs),
    POLL_INTERVAL: '10s'
  })

  /** A relay process named `name`, on the store and GravityZone through proxies of its own. */
  const startRelay = async (name: string) => {
    const storeProxy = await startTcpProxy(singleHost(standIn.url)!)
    const gzProxy = await loggingProxy(name, new URL(gravityzone.url).origin, gzCalls)
    closers.push(() => storeProxy.stop(), gzProxy.close)
    const process = await startRelayProcess(environment(name, through(standIn.url, storeProxy.port), gzProxy.url))
    relays.push(process)
    return { name, process, storeProxy, url: process.url }
  }

  /**
   * Before any relay process runs: acme mapped with billing and ticketing on, and both
   * configurations set, through the API of a relay in this process, which then stops and gives the
   * lease up. (The billing check runs as each leader starts: the mapping must be there first.)
   */
  const seed = async () => {
    const config = loadConfig({
      ...environment('seed', standIn.url, new URL(gravityzone.url).origin),
      LOG_LEVEL: 'silent'
    })
    const relay = await composeRelay(config, { schedule: false })
    await relay.start()
    const call = async (method: 'POST' | 'PUT', url: string, payload: unknown) => {
      const res = await relay.app.inject({ method, url, payload: payload as object, headers: auth(tokens.operator) })
      if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`)
    }
    await call('PUT', '/api/config/billing', { items: { endpointMonthlyUsage: 12 } })
    await call('PUT', '/api/config/ticketing', {
      ticketTypeId: 3,
      priorityId: 2,
      closedStatusName: 'Closed',
      autoCloseBlocked: false,
      modules: ['av']
    })
    await call('POST', '/api/mappings', {
      gravityzoneCompanyId: acme.companyId,
      halopsaClientId: acme.clientId,
      billing: { enabled: true },
      ticketing: { enabled: true }
    })
    await relay.close()
  }

  let threat = 0
  /** Pushes `n` security events of distinct threats to `url`, as GravityZone's push service does: their threats. */
  const push = async (url: string, n: number): Promise<string[]> => {
    const names = Array.from({ length: n }, () => `Trojan.HaTest.${String(++threat).padStart(3, '0')}`)
    const events = names.map((name) =>
      gravityzone.generate('av', acme.companyId, { variant: { blocked: false }, overrides: { malware_name: name } })
    )
    const body = JSON.stringify({ jsonrpc: '2.0', method: 'addEvents', params: { events }, id: Date.now() })
    const res = await request(`${url}/webhooks/gravityzone`, {
      method: 'POST',
      body,
      headers: {
        authorization: webhookSecrets.gravityzoneAuthorization,
        'event-push-service-md5': pushMd5(webhookSecrets.gravityzoneApiKey, body)
      }
    })
    const text = await res.body.text()
    if (res.statusCode !== 200) throw new Error(`push to ${url}: ${res.statusCode} ${text}`)
    return names
  }

  const status = async (url: string) => {
    const res = await request(`${url}/api/status`, { headers: auth(tokens.reader) })
    if (res.statusCode !== 200) throw new Error(`GET /api/status: ${res.statusCode} ${await res.body.text()}`)
    return ((await res.body.json()) as { instance: { id: string; role: string; term: number; since: string } }).instance
  }

  /** Asks the relay at `url` to poll now: the HTTP status and the error code, if any. */
  const requestSync = async (url: string) => {
    const res = await request(`${url}/api/sync/run?wait=0`, { method: 'POST', headers: auth(tokens.operator) })
    const body = (await res.body.json()) as { error?: { code: string } }
    return { status: res.statusCode, code: body.error?.code }
  }

  /** Whether the relay at `url` leads, from /metrics (which answers while the store does not). */
  const leads = async (url: string): Promise<boolean> => {
    const res = await request(`${url}/metrics`, { headers: auth(tokens.reader) })
    const text = await res.body.text()
    const value = /^relay_leader\{instance="[^"]+"\} ([01])$/m.exec(text)?.[1]
    if (value === undefined) throw new Error(`GET /metrics has no relay_leader: ${res.statusCode}`)
    return value === '1'
  }

  const tickets = () => [...halopsa.state.data().tickets.rows.values()] as { summary: string; id: number }[]
  const facts = async (stream: string): Promise<StoredFact[]> => {
    try {
      return await reader.readStream(stream)
    } catch {
      return []
    }
  }
  const factsOfType = async (type: string) => reader.readAll({ filter: { types: [type] } })
  const readAll = async () => reader.readAll({ maxCount: 100_000 })

  return {
    standIn,
    gravityzone,
    halopsa,
    gzCalls,
    startRelay,
    seed,
    push,
    status,
    requestSync,
    leads,
    tickets,
    facts,
    factsOfType,
    readAll
  }
}

/**
 * The relays' polls, from the GravityZone calls each made: a sync lists the companies first
 * (`getNetworkInventoryItems`), so each run of those calls by one relay, ended by another relay's call or
 * a pause of a second, is one poll. Two polls at the same time would interleave two relays' calls.
 */
/** The call a poll starts with: the inventory's listing of the companies (listAllCompanies). */
export const POLL_METHOD = 'getNetworkInventoryItems'

export const pollCallsInterleave = (calls: readonly GzCall[]): string[] => {
  const polls = calls.filter((c) => c.method === POLL_METHOD).sort((a, b) => a.at - b.at)
  const problems: string[] = []
  const open = new Map<string, number>()
  for (const call of polls) {
    for (const [relay, last] of open) if (call.at - last > 1_000) open.delete(relay)
    for (const [relay] of open)
      if (relay !== call.relay) problems.push(`${call.relay} polled at ${Math.round(call.at)} while ${relay} polled`)
    open.set(call.relay, call.at)
  }
  return problems
}
