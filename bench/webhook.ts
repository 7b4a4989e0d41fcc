/**
 * Webhook benchmark (docs/benchmarks.md#what-each-benchmark-measures), one run on the embedded
 * store: GravityZone push deliveries through the whole relay (auth, MD5, parsing, facts durable
 * before the 200) against a bare Fastify route that only parses JSON and answers 200, under the
 * same load from a separate process.
 *
 * After an unmeasured warm-up of every case, the bare route and the single-event deliveries take
 * turns, several rounds each, and each figure is over all of its rounds: this machine's speed
 * drifts within minutes (docs/benchmarks.md), and a ratio of two runs made a minute apart measured
 * the drift as much as the relay.
 *
 *   npx tsx bench/webhook.ts [--quick]
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { setImmediate as nextTurn } from 'node:timers/promises'
import Fastify from 'fastify'
import { serviceProjections } from '../projections/index.js'
import { buildApp } from '../src/app.js'
import { createRelay } from '../src/services/relay.js'
import { openSqliteStore } from '../src/store/sqlite/sqliteStore.js'
import { readCommandLine } from '../simulators/kit/cli.js'
import { benchFacts } from './support/facts.js'

const options = readCommandLine(
  `usage: npx tsx bench/webhook.ts [--quick]

Webhook benchmark: GravityZone push deliveries through the whole relay on the embedded store,
against a bare Fastify route that only parses JSON, under the same load from a separate process,
taking turns over several rounds.

  --quick      shorter rounds
  -h, --help   this text`,
  { quick: { type: 'boolean', default: false } }
)
const quick = options.quick
const seconds = quick ? 3 : 8
const rounds = quick ? 2 : 4
const roundSeconds = quick ? 2 : 3
const warmUpSeconds = quick ? 1 : 3
const secrets = {
  gravityzoneAuthorization: 'Bearer bench-push-secret-0123456789',
  gravityzoneApiKey: 'bench-api-key-0123',
  halopsaUser: 'u',
  halopsaPassword: 'p-0123456789ab'
}

type Figures = {
  requests: number
  elapsed: number
  rps: number
  eventsPerSec: number
  p50: number
  p99: number
  errors: number
  statuses: Record<string, number>
  latencies?: number[]
}

/** Runs the load generator in its own process (async: this process is the server under test). */
const load = (url: string, concurrency: number, kind: string, forSeconds = seconds): Promise<Figures> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/support/load.ts',
        url,
        String(concurrency),
        String(forSeconds),
        kind,
        secrets.gravityzoneApiKey,
        secrets.gravityzoneAuthorization
      ],
      { env: { ...process.env, LOAD_LATENCIES: '1' } }
    )
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Figures) : reject(new Error(err))
    )
  })

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

/** Several runs of one case as one: rates over their summed time, percentiles over all latencies. */
const combine = (runs: Figures[], eventsPerBody: number): Figures => {
  const requests = runs.reduce((n, r) => n + r.requests, 0)
  const elapsed = runs.reduce((n, r) => n + r.elapsed, 0)
  const latencies = runs.flatMap((r) => r.latencies ?? []).sort((a, b) => a - b)
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0
  const statuses: Record<string, number> = {}
  for (const r of runs)
    for (const [status, n] of Object.entries(r.statuses)) statuses[status] = (statuses[status] ?? 0) + n
  return {
    requests,
    elapsed,
    rps: requests / elapsed,
    eventsPerSec: (requests * eventsPerBody) / elapsed,
    p50: pct(0.5),
    p99: pct(0.99),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    statuses
  }
}

const dir = mkdtempSync(join(tmpdir(), 'relay-webhook-bench-'))
const store = openSqliteStore({ path: join(dir, 'relay.db') })
// A history, so that the read models have something to snapshot (the snapshot rounds below).
const history = quick ? 30_000 : 200_000
for (const { stream, facts } of benchFacts(history)) await store.append(stream, facts)
// As npm start runs it: large deliveries prepared on one thread (INGEST_THREADS' default), every read
// model the full relay keeps (tickets, billing and security events too); read-model snapshots only
// when the snapshot rounds force them.
const relay = createRelay({
  store,
  ingestThreads: 1,
  extraProjections: [...serviceProjections],
  snapshots: { everyFacts: 0, intervalMs: 0 }
})
await relay.start()
const app = await buildApp({
  relay,
  tokens: [{ name: 'bench', scope: 'operate', token: 'bench-token-0123456789' }],
  webhooks: secrets
})
const relayUrl = await app.listen({ port: 0, host: '127.0.0.1' })

/**
 * What the ticketing processor does with every event in a relay (with no ticketing configured): a
 * TicketingSkipped in the event's threat stream. Without it, every event pushed here would stay
 * pending, and the security events read model holds pending events in memory until they settle:
 * the snapshots would be of a state no relay has.
 */
const settleEvents = () => {
  const subscription = store.subscribeToAll({ from: 'start', filter: { types: ['SecurityEventReceived'] } })
  const inFlight = new Set<Promise<unknown>>()
  let seen = 0n
  const running = (async () => {
    for await (const fact of subscription) {
      const d = fact.data as { eventKey: string; threatKey: string; module: string; companyId?: string }
      const p = store
        .append(`ticket-${d.threatKey}`, [
          {
            id: randomUUID(),
            type: 'TicketingSkipped',
            data: {
              securityEventKey: d.eventKey,
              module: d.module,
              ...(d.companyId !== undefined ? { companyId: d.companyId } : {}),
              reason: 'not-configured'
            },
            metadata: {
              correlationId: fact.id,
              causationId: fact.id,
              actor: 'ticketing',
              recordedAt: new Date().toISOString()
            }
          }
        ])
        .finally(() => inFlight.delete(p))
      inFlight.add(p)
      seen = fact.position
      if (inFlight.size >= 256) await Promise.race(inFlight)
    }
  })()
  return {
    /** Every event pushed so far settled, and folded. */
    async caughtUp() {
      const [last] = await store.readAll({
        direction: 'backwards',
        maxCount: 1,
        filter: { types: ['SecurityEventReceived'] }
      })
      while (last && seen < last.position) await new Promise((resolve) => setTimeout(resolve, 50))
      await Promise.all(inFlight)
      await relay.runner.waitForPosition(await store.headPosition(), 120_000)
    },
    async stop() {
      await subscription.unsubscribe()
      await running
      await Promise.all(inFlight)
    }
  }
}

const bare = Fastify()
bare.post('/bare', async () => ({ ok: true }))
const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' })

try {
  // Unmeasured warm-up of every case first: the relay's path is far longer than the bare route's,
  // and its first seconds under load were JIT compilation, which made the first round read far
  // lower than the next ones (docs/benchmarks.md#figures-behind-design-choices) — steady state is
  // what the figures are about.
  await load(`${bareUrl}/bare`, 64, 'bare', warmUpSeconds)
  await load(`${relayUrl}/webhooks/gravityzone`, 64, 'push1', warmUpSeconds)
  await load(`${relayUrl}/webhooks/gravityzone`, 16, 'push50', warmUpSeconds)
  const bareRuns: Figures[] = []
  const singleRuns: Figures[] = []
  for (let round = 0; round < rounds; round++) {
    bareRuns.push(await load(`${bareUrl}/bare`, 64, 'bare', roundSeconds))
    singleRuns.push(await load(`${relayUrl}/webhooks/gravityzone`, 64, 'push1', roundSeconds))
  }
  // Snapshot writing against none, taking turns: in the snapshot rounds a read-model snapshot is
  // taken again as soon as the previous one is saved, for the whole round. Ticketing settles the
  // events meanwhile, in both kinds of rounds, so that the read models are a relay's.
  const settling = settleEvents()
  await settling.caughtUp()
  const plainRuns: Figures[] = []
  const snapshotRuns: Figures[] = []
  let snapshotsTaken = 0
  for (let round = 0; round < rounds; round++) {
    plainRuns.push(await load(`${relayUrl}/webhooks/gravityzone`, 64, 'push1', roundSeconds))
    let snapshotting = true
    const forcing = (async () => {
      while (snapshotting) {
        if (await relay.runner.snapshot()) snapshotsTaken++
        // With nothing new since the last snapshot the runner answers at once, in a microtask: without
        // a turn of the event loop here this loop would starve the requests that bring new facts.
        await nextTurn()
      }
    })()
    snapshotRuns.push(await load(`${relayUrl}/webhooks/gravityzone`, 64, 'push1', roundSeconds))
    snapshotting = false
    await forcing
  }
  await settling.stop()
  const baseline = combine(bareRuns, 1)
  const single = combine(singleRuns, 1)
  const plain = combine(plainRuns, 1)
  const snapshotting = combine(snapshotRuns, 1)
  const batches = await load(`${relayUrl}/webhooks/gravityzone`, 16, 'push50')
  const stored = (
    await store.readAll({ filter: { types: ['SecurityEventReceived'] }, maxCount: Number.MAX_SAFE_INTEGER })
  ).length
  console.log(
    `## Webhook ingestion on the embedded store (SQLite, WAL, facts fsynced before the 200), load from a separate process`
  )
  console.log('| case | concurrency | requests/s | events/s | p50 ms | p99 ms | non-200 |')
  console.log('|---|---:|---:|---:|---:|---:|---:|')
  console.log(
    `| bare Fastify JSON route (baseline) | 64 | ${fmt(baseline.rps)} | — | ${baseline.p50.toFixed(1)} | ${baseline.p99.toFixed(1)} | ${baseline.errors} |`
  )
  console.log(
    `| GravityZone push, 1 event per delivery | 64 | ${fmt(single.rps)} | ${fmt(single.eventsPerSec)} | ${single.p50.toFixed(1)} | ${single.p99.toFixed(1)} | ${single.errors} |`
  )
  console.log(
    `| GravityZone push, 50 events per delivery | 16 | ${fmt(batches.rps)} | ${fmt(batches.eventsPerSec)} | ${batches.p50.toFixed(1)} | ${batches.p99.toFixed(1)} | ${batches.errors} |`
  )
  const shares = bareRuns.map((bare, i) => `${((100 * singleRuns[i]!.rps) / bare.rps).toFixed(0)}%`)
  console.log(
    `\nSingle-event deliveries: ${((100 * single.rps) / baseline.rps).toFixed(0)}% of the bare route's rate (target ≥ 35%), p99 ${single.p99.toFixed(1)} ms (target ≤ 50 ms)`
  )
  console.log(
    `  ${rounds} rounds of ${roundSeconds} s each, taking turns; round by round: ${shares.join(', ')} (bare ${bareRuns.map((r) => fmt(r.rps)).join(', ')} req/s)`
  )
  console.log(`Batches: ${fmt(batches.eventsPerSec)} events/s (target ≥ 25,000)`)
  const snapshotBytes = relay.runner.stats().snapshots.last?.readModels.reduce((n, r) => n + r.storedBytes, 0) ?? 0
  console.log(
    `While read-model snapshots are written back to back (${snapshotsTaken} of ${fmt(snapshotBytes)} bytes over ` +
      `${fmt(history)} facts of history): ${fmt(snapshotting.rps)} single-event deliveries/s against ${fmt(plain.rps)} ` +
      `without, ${((100 * snapshotting.rps) / plain.rps).toFixed(0)}% (target ≥ 95%), p99 ${snapshotting.p99.toFixed(1)} ms ` +
      `against ${plain.p99.toFixed(1)} ms; ${rounds} rounds each, taking turns`
  )
  console.log(
    `Every acknowledged event is in the store: ${stored >= single.requests + batches.requests * 50 ? 'yes' : 'NO'} (${fmt(stored)} facts)`
  )
} finally {
  await app.close()
  await bare.close()
  await relay.stop()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
}
