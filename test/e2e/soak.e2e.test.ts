import t from 'tap'
import { readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Pool } from 'undici'
import { pushMd5 } from '../../src/platforms/gravityzone/push.js'
import { auth, tokens, webhookSecrets } from '../support/app.js'
import { percentile, startHealthProbe } from '../support/healthProbe.js'
import { relayEnvironment, startRelayProcess } from '../support/relayProcess.js'
import { startRemoteReader, type RemoteReader } from '../support/remoteReader.js'

/**
 * A bounded soak: the relay (its own process, on a file store) under mixed load for SOAK_SECONDS
 * (60 by default; longer by setting it): GravityZone pushes and HaloPSA webhooks, API reads, a
 * live client that reads slowly, one that stops reading, and NDJSON exports one after another.
 *
 * Throughout, the relay's resident memory stays under RSS_CEILING_MB and /health, probed from a
 * process of its own every 10 ms, answers 99% of the time within 100 ms and never beyond a second.
 * The criteria allow for a shared 2-core machine (another test file runs beside this one, and the
 * load, the readers and the probe are processes on the same cores): a percentile over thousands of
 * probes absorbs the moments the relay is simply not scheduled, which a maximum of 100 ms would
 * not. They still catch what they are for by far: a relay that buffers for a slow reader grows by
 * hundreds of megabytes within seconds, and a scan or an export that holds the event loop holds
 * /health for seconds.
 */

const seconds = Number(process.env.SOAK_SECONDS ?? 60)
const RSS_CEILING_MB = 400

const rssMb = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024
}

const envelope = (n: number) =>
  JSON.stringify({
    jsonrpc: '2.0',
    method: 'addEvents',
    params: {
      events: Array.from({ length: 10 }, (_, i) => ({
        module: i % 3 === 0 ? 'modules' : 'av',
        companyId: `${String(n % 20).padStart(2, '0')}a14b271da197c6108b4567`.slice(0, 24),
        computer_id: `e${n}-${i}`,
        computer_name: `WKS-${n}-${i}`,
        malware_name: 'EICAR-Test-File',
        final_status: 'quarantined',
        timestamp: new Date().toISOString()
      }))
    },
    id: Date.now() * 1000 + (n % 1000)
  })
const basic = `Basic ${Buffer.from(`${webhookSecrets.halopsaUser}:${webhookSecrets.halopsaPassword}`).toString('base64')}`

t.test(
  `given mixed load for ${seconds} s, then memory stays bounded and /health stays responsive`,
  { timeout: (seconds + 120) * 1000 },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-soak-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const relay = await startRelayProcess({
      ...relayEnvironment(`sqlite:${join(dir, 'relay.db')}`),
      API_TOKENS: `grafana:read:${tokens.reader},alice:operate:${tokens.operator}`
    })
    t.teardown(() => relay.signal('SIGKILL'))
    const pool = new Pool(relay.url, { connections: 8 })
    t.teardown(() => pool.close())
    const reader = auth(tokens.reader)

    const probe = await startHealthProbe(relay.url, { intervalMs: 10 })
    const statuses = new Map<string, number>()
    const count = (what: string, status: number) => {
      const key = `${what} ${status}`
      statuses.set(key, (statuses.get(key) ?? 0) + 1)
    }
    const deadline = Date.now() + seconds * 1000
    let peakRss = rssMb(relay.pid)
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(relay.pid))), 250)

    /** Runs `step` every `everyMs` until the deadline. */
    const every = async (everyMs: number, step: (n: number) => Promise<void>) => {
      for (let n = 0; Date.now() < deadline; n++) {
        const next = Date.now() + everyMs
        await step(n)
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())))
      }
    }
    const call = async (what: string, options: Parameters<Pool['request']>[0]) => {
      const res = await pool.request(options)
      await res.body.dump()
      count(what, res.statusCode)
    }

    const pushes = every(100, async (n) => {
      const body = envelope(n)
      await call('push', {
        method: 'POST',
        path: '/webhooks/gravityzone',
        body,
        headers: {
          authorization: webhookSecrets.gravityzoneAuthorization,
          'event-push-service-md5': pushMd5(webhookSecrets.gravityzoneApiKey, body)
        }
      })
    })
    const halo = every(250, async (n) => {
      await call('halo', {
        method: 'POST',
        path: '/webhooks/halopsa',
        body: JSON.stringify({ id: n, ticket_id: n, status_id: 9, event: 'Ticket Status Changed' }),
        headers: { authorization: basic, 'content-type': 'application/json' }
      })
    })
    const reads = every(100, async (n) => {
      const paths = [
        '/api/events',
        '/api/events/count',
        '/api/audit?limit=200',
        `/api/audit?type=PlatformEventReceived&after=${n}`
      ]
      await call('read', { method: 'GET', path: paths[n % paths.length]!, headers: reader })
    })
    const slowLive = startRemoteReader(`${relay.url}/api/audit/live?last-event-id=0`, reader, {
      bytesPerSecond: 20_000
    })
    const stalledLive = startRemoteReader(`${relay.url}/api/audit/live`, { ...reader, 'last-event-id': '0' }, 'stall')
    const exportsDone: number[] = []
    const exports = (async () => {
      while (Date.now() < deadline) {
        const exporting: RemoteReader = startRemoteReader(
          `${relay.url}/api/audit`,
          { ...reader, accept: 'application/x-ndjson' },
          'read'
        )
        const report = await exporting.ended
        if (report.complete) exportsDone.push(report.lines)
      }
    })()

    await Promise.all([pushes, halo, reads, exports])
    clearInterval(sampler)
    const latencies = await probe.stop()
    await slowLive.stop()
    await stalledLive.stop()

    const { samples, failures } = latencies
    const p99 = percentile(samples, 99)
    const max = Math.max(...samples)
    t.comment(
      `soak ${seconds} s: ${[...statuses].map(([k, v]) => `${k}: ${v}`).join(', ')}; exports ${exportsDone.length} ` +
        `(last ${exportsDone.at(-1) ?? 0} lines); /health p50 ${percentile(samples, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, ` +
        `max ${max.toFixed(1)} ms over ${samples.length} probes; peak RSS ${peakRss.toFixed(0)} MB`
    )
    t.same(
      [...statuses.keys()].filter((k) => !k.endsWith(' 200')),
      [],
      'every push, webhook and read answered 200'
    )
    t.ok(exportsDone.length >= 1, 'exports completed while the load ran')
    t.ok(peakRss <= RSS_CEILING_MB, `peak RSS ${peakRss.toFixed(0)} MB (≤ ${RSS_CEILING_MB} MB)`)
    t.equal(failures, 0, 'every health probe answered')
    t.ok(p99 <= 100, `p99 of /health ${p99.toFixed(1)} ms (≤ 100 ms)`)
    t.ok(max <= 1_000, `slowest /health ${max.toFixed(1)} ms (≤ 1 s)`)
    t.ok(relay.running(), 'the relay is still running')
  }
)
