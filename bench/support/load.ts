/**
 * A small HTTP load generator (a separate process, so it does not share the server's event loop):
 * keeps `concurrency` requests in flight for `seconds`, each with its own body, and prints one JSON
 * line with the rate and the latency percentiles (and, with LOAD_LATENCIES=1, every latency, so
 * that runs taking turns can be combined).
 *
 *   tsx bench/support/load.ts <url> <concurrency> <seconds> <kind: push1|push50|bare> [apiKey] [authorization]
 */
import { Pool } from 'undici'
import { pushBody } from './bodies.js'
import { pushMd5 } from '../../src/platforms/gravityzone/push.js'

const [url, concurrencyArg, secondsArg, kind, apiKey = '', authorization = ''] = process.argv.slice(2)
const target = new URL(url!)
const concurrency = Number(concurrencyArg)
const seconds = Number(secondsArg)
const eventsPerBody = kind === 'push50' ? 50 : 1
const pool = new Pool(target.origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 })

let sequence = 0
const nextRequest = () => {
  const body = pushBody(process.pid, sequence++, eventsPerBody)
  const headers: Record<string, string> =
    kind === 'bare'
      ? { 'content-type': 'application/json' }
      : { authorization, 'event-push-service-md5': pushMd5(apiKey, body) }
  return { body, headers }
}

const latencies: number[] = []
let errors = 0
const statuses: Record<number, number> = {}
const warmupUntil = performance.now() + 1000
const deadline = warmupUntil + seconds * 1000
let measuredStart = 0

const worker = async () => {
  while (performance.now() < deadline) {
    const { body, headers } = nextRequest()
    const t0 = performance.now()
    let ok = false
    try {
      const res = await pool.request({ method: 'POST', path: target.pathname, body, headers })
      await res.body.dump()
      statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1
      ok = res.statusCode === 200
    } catch {
      // Counted below: a refused connection is not a delivery.
    }
    const t1 = performance.now()
    if (!ok) errors++
    // Only answered deliveries count towards the rate and the latencies.
    if (ok && t0 >= warmupUntil) {
      if (measuredStart === 0) measuredStart = t0
      latencies.push(t1 - t0)
    }
  }
}

await Promise.all(Array.from({ length: concurrency }, worker))
const elapsed = (performance.now() - Math.max(measuredStart, warmupUntil)) / 1000
latencies.sort((a, b) => a - b)
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0
await pool.close()
if (latencies.length === 0) {
  console.error(
    `no request was sent and answered 200 after the warm-up (${errors} failed; all statuses ${JSON.stringify(statuses)}): ` +
      'the machine is too busy for this measurement'
  )
  process.exit(1)
}
console.log(
  JSON.stringify({
    requests: latencies.length,
    elapsed,
    rps: latencies.length / elapsed,
    eventsPerSec: (latencies.length * eventsPerBody) / elapsed,
    p50: pct(0.5),
    p99: pct(0.99),
    errors,
    statuses,
    ...(process.env.LOAD_LATENCIES === '1' ? { latencies: latencies.map((l) => Math.round(l * 100) / 100) } : {})
  })
)
