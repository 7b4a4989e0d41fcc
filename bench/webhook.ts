/**
 * Webhook benchmark (issue 5), one run on the embedded store: GravityZone push deliveries through
 * the whole relay (auth, MD5, parsing, facts durable before the 200) against a bare Fastify route
 * that only parses JSON and answers 200, under the same load from a separate process.
 *
 *   npx tsx bench/webhook.ts [--quick] [--writer=thread]
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { buildApp } from '../src/app.js'
import { createRelay } from '../src/services/relay.js'
import { openSqliteStore } from '../src/store/sqlite/sqliteStore.js'

const quick = process.argv.includes('--quick')
// The relay's default for a file store is the inline writer; `--writer=thread` measures the other.
const writer = process.argv.includes('--writer=thread') ? 'thread' : 'inline'
const seconds = quick ? 3 : 8
const secrets = { gravityzoneAuthorization: 'Bearer bench-push-secret-0123456789', gravityzoneApiKey: 'bench-api-key-0123', halopsaUser: 'u', halopsaPassword: 'p-0123456789ab' }

type Figures = { requests: number; rps: number; eventsPerSec: number; p50: number; p99: number; errors: number; statuses: Record<string, number> }

/** Runs the load generator in its own process (async: this process is the server under test). */
const load = (url: string, concurrency: number, kind: string): Promise<Figures> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/support/load.ts', url, String(concurrency), String(seconds), kind, secrets.gravityzoneApiKey, secrets.gravityzoneAuthorization])
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Figures) : reject(new Error(err))))
  })

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

const dir = mkdtempSync(join(tmpdir(), 'relay-webhook-bench-'))
const store = openSqliteStore({ path: join(dir, 'relay.db'), writer })
// As npm start runs it: large deliveries prepared on one thread (INGEST_THREADS' default).
const relay = createRelay({ store, ingestThreads: 1 })
await relay.start()
const app = await buildApp({ relay, tokens: [{ name: 'bench', scope: 'operate', token: 'bench-token-0123456789' }], webhooks: secrets })
const relayUrl = await app.listen({ port: 0, host: '127.0.0.1' })

const bare = Fastify()
bare.post('/bare', async () => ({ ok: true }))
const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' })

try {
  const baseline = await load(`${bareUrl}/bare`, 64, 'bare')
  const single = await load(`${relayUrl}/webhooks/gravityzone`, 64, 'push1')
  const batches = await load(`${relayUrl}/webhooks/gravityzone`, 16, 'push50')
  const stored = (await store.readAll({ filter: { types: ['SecurityEventReceived'] }, maxCount: Number.MAX_SAFE_INTEGER })).length
  console.log(`## Webhook ingestion on the embedded store (SQLite, WAL, synchronous=FULL, ${writer} writer), load from a separate process`)
  console.log('| case | concurrency | requests/s | events/s | p50 ms | p99 ms | non-200 |')
  console.log('|---|---:|---:|---:|---:|---:|---:|')
  console.log(`| bare Fastify JSON route (baseline) | 64 | ${fmt(baseline.rps)} | — | ${baseline.p50.toFixed(1)} | ${baseline.p99.toFixed(1)} | ${baseline.errors} |`)
  console.log(`| GravityZone push, 1 event per delivery | 64 | ${fmt(single.rps)} | ${fmt(single.eventsPerSec)} | ${single.p50.toFixed(1)} | ${single.p99.toFixed(1)} | ${single.errors} |`)
  console.log(`| GravityZone push, 50 events per delivery | 16 | ${fmt(batches.rps)} | ${fmt(batches.eventsPerSec)} | ${batches.p50.toFixed(1)} | ${batches.p99.toFixed(1)} | ${batches.errors} |`)
  console.log(`\nSingle-event deliveries: ${(100 * single.rps / baseline.rps).toFixed(0)}% of the bare route's rate (target ≥ 35%), p99 ${single.p99.toFixed(1)} ms (target ≤ 50 ms)`)
  console.log(`Batches: ${fmt(batches.eventsPerSec)} events/s (target ≥ 25,000)`)
  console.log(`Every acknowledged event is in the store: ${stored >= single.requests + batches.requests * 50 ? 'yes' : 'NO'} (${fmt(stored)} facts)`)
} finally {
  await app.close()
  await bare.close()
  await relay.stop()
  await store.close()
  rmSync(dir, { recursive: true, force: true })
}
