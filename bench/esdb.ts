/**
 * EventStoreDB adapter benchmark (docs/benchmarks.md#what-each-benchmark-measures): append and read
 * throughput through the adapter, over real gRPC, against the stand-in server
 * (test/support/esdbStandIn), beside the SQLite adapter measured in the same run on the same
 * machine.
 *
 *   npx tsx bench/esdb.ts            # about 40 s
 *   npx tsx bench/esdb.ts --quick    # shorter runs
 *
 * These are STAND-IN FIGURES, NOT EventStoreDB'S: the stand-in keeps its log in memory and never
 * fsyncs. They show what the adapter and the gRPC client cost, not what a server can do; measure
 * a real node with TEST_EVENTSTOREDB_URL-style setups (docs/deployment.md) before promising one.
 * The stand-in runs in a child process so that client and server do not share one event loop.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { newId } from '../src/domain/ids.js'
import { openEventStoreDbStore } from '../src/store/eventstoredb/eventStoreDbStore.js'
import type { EventStore } from '../src/store/port.js'
import { openSqliteStore } from '../src/store/sqlite/sqliteStore.js'
import { readCommandLine } from '../simulators/kit/cli.js'
import { startEsdbStandIn } from '../test/support/esdbStandIn/index.js'
import { benchFacts } from './support/facts.js'
import { detectionFact } from './support/detection.js'

const self = fileURLToPath(import.meta.url)
const quick = process.argv.includes('--quick')
const seconds = quick ? 0.8 : 2
const readFacts = quick ? 10_000 : 30_000

type Target = { name: string; open(): Promise<{ store: EventStore; close(): Promise<void> }> }

/** The stand-in in its own process; resolves its URL once it listens. */
const startServer = async (): Promise<{ url: string; process: ChildProcess }> => {
  const child = spawn(process.execPath, ['--import', 'tsx', self, 'serve'], { stdio: ['pipe', 'pipe', 'inherit'] })
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string]
  return { url: (JSON.parse(line) as { url: string }).url, process: child }
}

const stopServer = async (server: { process: ChildProcess }) => {
  server.process.stdin!.end()
  if (server.process.exitCode === null) await once(server.process, 'exit')
}

/** c workers each keep one append of `size` facts in flight for a fixed time. */
const appendRate = async (store: EventStore, concurrency: number, size: number) => {
  let appends = 0
  const run = `${newId().slice(-8)}`
  const deadline = performance.now() + seconds * 1000
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; performance.now() < deadline; i++) {
        await store.append(
          `benchDelivery-${run}${w}x${i}`,
          Array.from({ length: size }, () => detectionFact()),
          {
            expectedRevision: 'no_stream'
          }
        )
        appends++
      }
    })
  )
  const elapsed = (performance.now() - started) / 1000
  return { appendsPerSec: appends / elapsed, factsPerSec: (appends * size) / elapsed }
}

const readRate = async (store: EventStore) => {
  const pending: Promise<unknown>[] = []
  for (const { stream, facts } of benchFacts(readFacts)) {
    pending.push(store.append(stream, facts))
    if (pending.length >= 32) await Promise.all(pending.splice(0))
  }
  await Promise.all(pending)
  const started = performance.now()
  const all = await store.readAll()
  return { facts: all.length, factsPerSec: all.length / ((performance.now() - started) / 1000) }
}

const main = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-bench-esdb-'))
  const servers: { process: ChildProcess }[] = []
  let files = 0
  const targets: Target[] = [
    {
      name: 'esdb adapter → stand-in',
      async open() {
        const server = await startServer()
        servers.push(server)
        const store = openEventStoreDbStore({ connectionString: server.url })
        return { store, close: async () => (await store.close(), await stopServer(server)) }
      }
    },
    {
      name: 'SQLite adapter (file)',
      async open() {
        const store = openSqliteStore({ path: join(dir, `bench-${files++}.db`) })
        return { store, close: () => store.close() }
      }
    }
  ]
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
  try {
    console.log("## EventStoreDB adapter over gRPC — STAND-IN FIGURES, NOT EVENTSTOREDB'S")
    console.log(
      '(stand-in: in-memory log in a child process, no fsync; SQLite: WAL, group commit, every append fsynced before it is answered; same run, same machine)\n'
    )
    console.log(`| case | ${targets.map((t) => t.name).join(' | ')} | stand-in ÷ SQLite |`)
    console.log('|---|---:|---:|---:|')
    const row = (label: string, values: number[], unit: string) =>
      console.log(
        `| ${label} | ${values.map((v) => `${fmt(v)} ${unit}`).join(' | ')} | ${(values[0]! / values[1]!).toFixed(2)}× |`
      )
    const cases: { label: string; unit: string; measure(store: EventStore): Promise<number> }[] = [
      ...[1, 16, 64].map((c) => ({
        label: `single-fact appends, concurrency ${c}`,
        unit: 'appends/s',
        measure: async (s: EventStore) => (await appendRate(s, c, 1)).appendsPerSec
      })),
      ...[1, 16].map((c) => ({
        label: `50-fact appends, concurrency ${c}`,
        unit: 'facts/s',
        measure: async (s: EventStore) => (await appendRate(s, c, 50)).factsPerSec
      })),
      {
        label: `readAll of ${fmt(readFacts)} facts`,
        unit: 'facts/s',
        measure: async (s: EventStore) => (await readRate(s)).factsPerSec
      }
    ]
    for (const c of cases) {
      const values: number[] = []
      for (const target of targets) {
        const { store, close } = await target.open()
        // Warm the connection and the JIT before timing.
        for (let i = 0; i < 50; i++) await store.append(`benchWarm-${newId()}`, [detectionFact()])
        values.push(await c.measure(store))
        await close()
      }
      row(c.label, values, c.unit)
    }
  } finally {
    for (const server of servers) if (server.process.exitCode === null) server.process.kill()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[2] === 'serve') {
  // Child: no system events between appends, so both stores read back the same facts.
  const standIn = await startEsdbStandIn({ systemEventEvery: 0 })
  console.log(JSON.stringify({ url: standIn.url }))
  process.stdin.resume()
  process.stdin.on('end', () => void standIn.stop())
} else {
  readCommandLine(
    `usage: npx tsx bench/esdb.ts [--quick]

EventStoreDB adapter benchmark: append and read throughput through the adapter over real gRPC
against the stand-in server (in memory, never fsyncs: not EventStoreDB's own figures), beside the
SQLite adapter measured in the same run. About 40 s.

  --quick      shorter runs
  -h, --help   this text`,
    { quick: { type: 'boolean' } }
  )
  await main()
}
