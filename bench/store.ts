/**
 * Store benchmark (issue 2): single-fact appends/s at concurrency 1, 16 and 64 with group commit
 * and with one transaction per append (the baseline), in the same run; then a 1,000,000-fact
 * projection rebuild in facts/s with the process's peak RSS.
 *
 *   npx tsx bench/store.ts            # everything
 *   npx tsx bench/store.ts --quick    # shorter runs, 200,000-fact rebuild
 *
 * Every case runs in a fresh child process on a fresh database file, so one case's heap or page
 * cache does not help the next.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { newId } from '../src/domain/ids.js'
import { openSqliteStore } from '../src/store/sqlite/sqliteStore.js'
import { createProjectionRunner } from '../src/services/projectionRunner.js'
import { integrationEventsProjection } from '../projections/integrationEvents.js'
import { mappingsProjection } from '../projections/mappings.js'
import type { Projection } from '../projections/projection.js'
import type { NewFact } from '../src/store/port.js'
import { readCommandLine } from '../simulators/kit/cli.js'
import { benchFacts } from './support/facts.js'

const self = fileURLToPath(import.meta.url)
const args = process.argv.slice(2)
const quick = args.includes('--quick')

const metadata = { correlationId: 'bench', causationId: 'bench', actor: 'bench', recordedAt: new Date().toISOString() }
// A GravityZone-like av detection, about the size peer-bench used (448 bytes).
const payload = {
  module: 'av',
  companyId: '59a14b271da197c6108b4567',
  computer_name: 'FC-WKS-0042',
  computer_ip: '192.168.0.42',
  computer_id: '59b7d9bfa849af3a1465b7e4',
  malware_type: 'file',
  malware_name: 'EICAR-Test-File (not a virus)',
  file_path: 'C:\\Users\\alice\\Downloads\\eicar.com',
  hash: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f',
  final_status: 'quarantined',
  timestamp: '2026-11-02T08:33:13.000Z'
}

type AppendFigures = { appendsPerSec: number; p50: number; p99: number; appends: number; groups: number }

/** Child: c workers, each keeping one single-fact append in flight, for a fixed time or count. */
const runAppend = async (
  file: string,
  mode: 'group' | 'thread' | 'tx',
  concurrency: number
): Promise<AppendFigures> => {
  const store = openSqliteStore({
    path: file,
    groupCommit: mode !== 'tx',
    writer: mode === 'thread' ? 'thread' : 'inline'
  })
  const seconds = quick ? 1.5 : 4
  const cap = quick ? 10_000 : 40_000
  for (let i = 0; i < 20; i++) await store.append(`warm-${i}`, [{ id: newId(), type: 'Warm', data: payload, metadata }])
  const latencies: number[] = []
  let done = 0
  const started = performance.now()
  const deadline = started + seconds * 1000
  const worker = async () => {
    for (let i = 0; performance.now() < deadline && done < cap; i++) {
      // Ids and delivery stream names are time-ordered, as the relay's are (UUID v7; a delivery's
      // stream starts with its send time, src/domain/streams.ts).
      const fact: NewFact = { id: newId(), type: 'SecurityEventReceived', data: payload, metadata }
      const t0 = performance.now()
      await store.append(`gzDelivery-${newId()}`, [fact], { expectedRevision: 'no_stream' })
      latencies.push(performance.now() - t0)
      done++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, () => worker()))
  const elapsed = (performance.now() - started) / 1000
  const stats = (store as unknown as { stats(): { groups: number } }).stats()
  await store.close()
  latencies.sort((a, b) => a - b)
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0
  return { appendsPerSec: done / elapsed, p50: pct(0.5), p99: pct(0.99), appends: done, groups: stats.groups }
}

/** Parent helper: fills a file with `total` facts shaped like a busy relay's history. */
const fill = async (file: string, total: number) => {
  const store = openSqliteStore({ path: file })
  const pending: Promise<unknown>[] = []
  for (const { stream, facts } of benchFacts(total)) {
    pending.push(store.append(stream, facts))
    if (pending.length >= 64) await Promise.all(pending.splice(0))
  }
  await Promise.all(pending)
  await store.close()
}

/** Child: rebuilds the read models from the start of the file, as the relay does at boot. */
const runRebuild = async (file: string) => {
  const store = openSqliteStore({ path: file })
  const runner = createProjectionRunner({
    store,
    projections: [integrationEventsProjection, mappingsProjection] as Projection<unknown>[]
  })
  const started = performance.now()
  await runner.start()
  const seconds = (performance.now() - started) / 1000
  const { folded } = runner.stats()
  const events = runner.state(integrationEventsProjection)
  await runner.stop()
  await store.close()
  return {
    folded,
    factsPerSec: folded / seconds,
    seconds,
    events: events.events.size,
    active: events.counts.active,
    peakRssMb: process.resourceUsage().maxRSS / 1024
  }
}

const child = <T>(...childArgs: string[]): T => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', self, ...childArgs, ...(quick ? ['--quick'] : [])], {
    encoding: 'utf8',
    maxBuffer: 1 << 24
  })
  if (result.status !== 0) throw new Error(`bench child failed: ${result.stderr}`)
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as T
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

const main = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-bench-'))
  try {
    console.log(
      '## Event store (SQLite, WAL) — single-fact appends, fresh process and file per case; every append durable before it is answered (group commit: one fsync shared off the event loop; baseline: one transaction and one fsync per append)'
    )
    console.log(
      '| concurrency | group commit appends/s | p50 / p99 ms | appends per commit | one tx per append (baseline) appends/s | p50 / p99 ms | ratio | group commit, writer thread appends/s | p50 / p99 ms | ratio |'
    )
    console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    const rows: { c: number; ratio: number; group: number; thread: number; threadRatio: number }[] = []
    for (const c of [1, 16, 64]) {
      const group = child<AppendFigures>('append', join(dir, `g${c}.db`), 'group', String(c))
      const tx = child<AppendFigures>('append', join(dir, `t${c}.db`), 'tx', String(c))
      const thread = child<AppendFigures>('append', join(dir, `w${c}.db`), 'thread', String(c))
      const ratio = group.appendsPerSec / tx.appendsPerSec
      const threadRatio = thread.appendsPerSec / tx.appendsPerSec
      rows.push({ c, ratio, group: group.appendsPerSec, thread: thread.appendsPerSec, threadRatio })
      console.log(
        `| ${c} | ${fmt(group.appendsPerSec)} | ${group.p50.toFixed(2)} / ${group.p99.toFixed(2)} | ${(group.appends / group.groups).toFixed(1)} | ${fmt(tx.appendsPerSec)} | ${tx.p50.toFixed(2)} / ${tx.p99.toFixed(2)} | ${ratio.toFixed(1)}× | ${fmt(thread.appendsPerSec)} | ${thread.p50.toFixed(2)} / ${thread.p99.toFixed(2)} | ${threadRatio.toFixed(1)}× |`
      )
    }
    const total = quick ? 200_000 : 1_000_000
    const file = join(dir, 'history.db')
    const fillStart = performance.now()
    await fill(file, total)
    console.log(
      `\n## Projection rebuild — ${fmt(total)} facts (filled in ${((performance.now() - fillStart) / 1000).toFixed(1)} s)`
    )
    const rebuild = child<{
      folded: number
      factsPerSec: number
      seconds: number
      events: number
      active: number
      peakRssMb: number
    }>('rebuild', file)
    console.log(`| facts folded | seconds | facts/s | integration events derived (active) | peak RSS |`)
    console.log(`|---:|---:|---:|---:|---:|`)
    console.log(
      `| ${fmt(rebuild.folded)} | ${rebuild.seconds.toFixed(2)} | ${fmt(rebuild.factsPerSec)} | ${fmt(rebuild.events)} (${fmt(rebuild.active)}) | ${rebuild.peakRssMb.toFixed(0)} MB |`
    )
    const c64 = rows.find((r) => r.c === 64)!
    console.log('\nTargets: ≥ 20,000 appends/s at c=64 and ≥ 8× baseline; rebuild ≥ 200,000 facts/s; RSS ≤ 400 MB')
    console.log(
      `Measured: ${fmt(c64.group)} appends/s at c=64 (${c64.ratio.toFixed(1)}× baseline), ${fmt(c64.thread)} with the writer thread (${c64.threadRatio.toFixed(1)}×); rebuild ${fmt(rebuild.factsPerSec)} facts/s; peak RSS ${rebuild.peakRssMb.toFixed(0)} MB`
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const [command, ...rest] = args.filter((a) => a !== '--quick')
if (command === 'append') {
  const [file, mode, c] = rest
  console.log(JSON.stringify(await runAppend(file!, mode === 'thread' || mode === 'tx' ? mode : 'group', Number(c))))
} else if (command === 'rebuild') {
  console.log(JSON.stringify(await runRebuild(rest[0]!)))
} else {
  readCommandLine(
    `usage: npx tsx bench/store.ts [--quick]

Store benchmark: single-fact appends/s at concurrency 1, 16 and 64 with group commit, against one
transaction per append (the baseline) in the same run; then a projection rebuild of 1,000,000 facts
in facts/s with the peak RSS. Each case runs in a fresh process on a fresh database file.

  --quick      shorter runs and a 200,000-fact rebuild
  -h, --help   this text`,
    { quick: { type: 'boolean' } }
  )
  await main()
}
