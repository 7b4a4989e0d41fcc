/**
 * History benchmark (docs/benchmarks.md#history-start-up-and-memory): the relay process, started
 * on a store of 5,000,000 facts of the mix bench/support/facts.ts writes and on one of 500,000,
 * timed from spawn to `/ready` 200 with a fresh read-model snapshot, with one 100,000 facts old and
 * without snapshots (SNAPSHOTS=false), and its RSS after ready and after a burst of traffic
 * (GravityZone deliveries, then API reads of closed events). Ratios: each size against its own
 * start without snapshots, and 5,000,000 against 500,000.
 *
 * The relay runs as `npm start` runs it, compiled (`npm run build` first), so that start-up is not
 * tsx compiling the sources. The stores are built once through the adapter's own append path and
 * kept under test-output/, named by size and generator version (5,000,000 facts: under 3 minutes
 * on two cores, 7 GB); each size's runs use a copy, since their traffic appends to it.
 *
 *   npx tsx bench/history.ts [--quick]
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { relayProjections } from '../projections/index.js'
import type { Projection } from '../projections/projection.js'
import { asFact } from '../src/domain/facts.js'
import { takeSnapshot } from '../src/services/snapshots/taker.js'
import { openSqliteStore } from '../src/store/sqlite/sqliteStore.js'
import type { EventStore } from '../src/store/port.js'
import { readCommandLine } from '../simulators/kit/cli.js'
import { relayEnvironment, startRelayProcess } from '../test/support/relayProcess.js'
import { tokens } from '../test/support/app.js'
import { pushMd5 } from '../src/platforms/gravityzone/push.js'
import { pushBody } from './support/bodies.js'
import { benchFacts } from './support/facts.js'

const options = readCommandLine(
  `usage: npx tsx bench/history.ts [--quick]

Start-up time and memory of the relay process on long histories: 5,000,000 and 500,000 facts
(--quick: 500,000 and 50,000), with a fresh snapshot, one 100,000 facts old (--quick: 10,000) and
none. Stores are cached under test-output/.

  --quick      smaller stores
  -h, --help   this text`,
  { quick: { type: 'boolean', default: false } }
)
/** Bump when bench/support/facts.ts changes what it writes: cached stores of another version are rebuilt. */
const GENERATOR_VERSION = 2
const sizes = options.quick ? [50_000, 500_000] : [500_000, 5_000_000]
const behind = options.quick ? 10_000 : 100_000
/** Deliveries of 50 events in the traffic after ready (an hour of a busy tenant's pushes, compressed). */
const deliveries = options.quick ? 200 : 1_000
const secrets = relayEnvironment('sqlite::memory:')

const buildStore = async (facts: number): Promise<string> => {
  mkdirSync('test-output', { recursive: true })
  const path = join('test-output', `history-${facts}-v${GENERATOR_VERSION}.db`)
  if (existsSync(path)) return path
  const started = performance.now()
  const building = `${path}.building`
  rmSync(building, { force: true })
  const store = openSqliteStore({ path: building })
  // Many appends in flight: the group commit writes them in large transactions.
  const inFlight = new Set<Promise<unknown>>()
  for (const { stream, facts: batch } of benchFacts(facts)) {
    const p = store.append(stream, batch).finally(() => inFlight.delete(p))
    inFlight.add(p)
    if (inFlight.size >= 256) await Promise.race(inFlight)
  }
  await Promise.all(inFlight)
  await store.close()
  for (const suffix of ['-wal', '-shm', '.lock']) rmSync(`${building}${suffix}`, { force: true })
  renameSync(building, path)
  console.log(`built ${path} (${facts} facts) in ${((performance.now() - started) / 1000).toFixed(0)} s`)
  return path
}

type Model = { projection: Projection<unknown>; state: unknown }

/** Folds the store's facts up to `to` into the models, in memory; the id of the fact at `to`. */
const foldUpTo = async (store: EventStore, models: Model[], from: bigint, to: bigint): Promise<string> => {
  let next = from
  let lastId = ''
  while (next <= to) {
    const page = await store.readAll({ fromPosition: next, maxCount: 8192 })
    if (page.length === 0) break
    for (const stored of page) {
      if (stored.position > to) return lastId
      const fact = asFact(stored)
      for (const m of models) m.state = m.projection.evolve(m.state, fact)
      lastId = stored.id
    }
    next = page.at(-1)!.position + 1n
  }
  return lastId
}

const saveSnapshotAt = async (store: EventStore, models: Model[], position: bigint, factId: string) =>
  takeSnapshot({ store, models, at: { position, factId }, hold: () => () => undefined })

const rssMb = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))!
  return Number(/\d+/.exec(line)![0]) / 1024
}

/** A fixed number of GravityZone deliveries of 50 events, 8 at a time, then pages of closed events. */
const traffic = async (url: string) => {
  let next = 0
  const deliver = async () => {
    for (let n = next++; n < deliveries; n = next++) {
      const body = pushBody(process.pid, n, 50)
      const res = await fetch(`${url}/webhooks/gravityzone`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          authorization: secrets.GZ_PUSH_AUTHORIZATION!,
          'event-push-service-md5': pushMd5(secrets.GZ_API_KEY!, body)
        }
      })
      if (res.status !== 200) throw new Error(`a delivery was answered ${res.status}`)
    }
  }
  await Promise.all(Array.from({ length: 8 }, deliver))
  const headers = { authorization: `Bearer ${tokens.reader}` }
  // The ticketing processor handles every event (no ticketing configured here: each one is skipped),
  // as a relay does within the hour: what the next start loads is a relay's state, not a backlog.
  const deadline = Date.now() + 300_000
  for (;;) {
    const status = (await (await fetch(`${url}/api/status`, { headers })).json()) as {
      processor?: { lagFacts?: number }
    }
    if ((status.processor?.lagFacts ?? 0) <= 5) break
    if (Date.now() > deadline) throw new Error(`the processor is still ${status.processor?.lagFacts} facts behind`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  let cursor: string | null = null
  for (let page = 0; page < 20; page++) {
    const query: string = `status=closed&limit=100${cursor ? `&cursor=${cursor}` : ''}`
    const res = await fetch(`${url}/api/events?${query}`, { headers })
    const body = (await res.json()) as { nextCursor: string | null }
    cursor = body.nextCursor
    if (!cursor) break
  }
}

type Run = { listenMs: number; readyMs: number; rssReady: number; rssTraffic: number }

const startRelay = async (path: string, snapshots: boolean): Promise<Run> => {
  const started = performance.now()
  const relay = await startRelayProcess(
    {
      ...secrets,
      EVENT_STORE_URL: `sqlite:${path}`,
      SNAPSHOTS: String(snapshots),
      // Taken in this benchmark, not by the relay while it is measured.
      SNAPSHOT_EVERY: '0',
      SNAPSHOT_INTERVAL: '1d'
    },
    { timeoutMs: 900_000, built: true }
  )
  const listenMs = performance.now() - started
  while ((await fetch(`${relay.url}/ready`)).status !== 200) await new Promise((r) => setTimeout(r, 20))
  const readyMs = performance.now() - started
  const rssReady = rssMb(relay.pid)
  await traffic(relay.url)
  const rssTraffic = rssMb(relay.pid)
  relay.signal('SIGTERM')
  await relay.exited
  return { listenMs, readyMs, rssReady, rssTraffic }
}

execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' })
const results = new Map<number, Record<'old' | 'fresh' | 'none', Run>>()
for (const size of sizes) {
  // The runs append (their traffic): they run on a copy, and the cached store stays as built.
  const path = join('test-output', `history-${size}-run.db`)
  for (const suffix of ['', '-wal', '-shm', '.lock']) rmSync(`${path}${suffix}`, { force: true })
  copyFileSync(await buildStore(size), path)
  const store = openSqliteStore({ path })
  const head = await store.headPosition()
  const [older] = await store.readAll({ direction: 'backwards', fromPosition: head - BigInt(behind) + 1n, maxCount: 1 })
  const models: Model[] = relayProjections.map((projection) => ({ projection, state: projection.initialState() }))
  const olderId = await foldUpTo(store, models, 0n, older!.position)
  await saveSnapshotAt(store, models, older!.position, olderId)
  await store.close()
  const old = await startRelay(path, true)
  const again = openSqliteStore({ path })
  const now = await again.headPosition()
  const lastId = await foldUpTo(again, models, older!.position + 1n, now)
  const report = await saveSnapshotAt(again, models, now, lastId)
  await again.close()
  const fresh = await startRelay(path, true)
  const none = await startRelay(path, false)
  results.set(size, { old, fresh, none })
  for (const suffix of ['', '-wal', '-shm', '.lock']) rmSync(`${path}${suffix}`, { force: true })
  const stored = report.readModels.reduce((n, r) => n + r.storedBytes, 0)
  console.log(
    `${size} facts: snapshot of ${(stored / 1e6).toFixed(1)} MB stored, encoded in ${report.heldMs.toFixed(0)} ms`
  )
}

const row = (label: string, r: Run, base: Run) =>
  `| ${label} | ${(r.listenMs / 1000).toFixed(2)} s | ${(r.readyMs / 1000).toFixed(2)} s | ` +
  `${(r.readyMs / base.readyMs).toFixed(2)}× | ` +
  `${r.rssReady.toFixed(0)} MB | ${r.rssTraffic.toFixed(0)} MB |`
console.log('\n| facts, start | listening | to /ready | vs no snapshot | RSS ready | RSS after traffic |')
console.log('|---|---|---|---|---|---|')
for (const [size, r] of results) {
  console.log(row(`${size}, snapshot ${behind} facts old`, r.old, r.none))
  console.log(row(`${size}, fresh snapshot`, r.fresh, r.none))
  console.log(row(`${size}, no snapshot`, r.none, r.none))
}
const [small, large] = sizes.map((s) => results.get(s)!)
console.log(
  `\n${sizes[1]} vs ${sizes[0]} facts, snapshot ${behind} facts old: ` +
    `${(large!.old.readyMs / small!.old.readyMs).toFixed(2)}× the time to /ready, ` +
    `${(large!.old.rssReady / small!.old.rssReady).toFixed(2)}× the RSS after ready`
)
