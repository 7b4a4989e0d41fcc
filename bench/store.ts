/**
 * Store benchmark: single-fact appends/s at concurrency 1, 16 and 64 with group commit and with
 * one transaction per append (the baseline), in the same run; then a 1,000,000-fact projection
 * rebuild in facts/s with the process's peak RSS.
 *
 *   npx tsx bench/store.ts            # everything
 *   npx tsx bench/store.ts --quick    # shorter runs, 200,000-fact rebuild
 *
 * Every case runs in a fresh child process on a fresh database file, so one case's heap or page
 * cache does not help the next.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openSqliteStore } from '../src/store/sqlite/sqliteStore.js'
import { createProjectionRunner } from '../src/services/projectionRunner.js'
import { integrationEventsProjection } from '../projections/integrationEvents.js'
import { mappingsProjection } from '../projections/mappings.js'
import type { Projection } from '../projections/projection.js'
import { readCommandLine } from '../simulators/kit/cli.js'
import { benchFacts } from './support/facts.js'
import type { AppendFigures } from './support/appends.js'
import { runChild } from './support/child.js'

const self = fileURLToPath(import.meta.url)
const args = process.argv.slice(2)
const quick = args.includes('--quick')
const quickArgs = quick ? ['--quick'] : []

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

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')

const main = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-bench-'))
  try {
    console.log(
      '## Event store (SQLite, WAL) — single-fact appends, fresh process and file per case; every append durable before it is answered (group commit: one fsync shared off the event loop; baseline: one transaction and one fsync per append)'
    )
    console.log(
      '| concurrency | group commit appends/s | p50 / p99 ms | appends per commit | one tx per append (baseline) appends/s | p50 / p99 ms | ratio |'
    )
    console.log('|---:|---:|---:|---:|---:|---:|---:|')
    const rows: { c: number; ratio: number; group: number }[] = []
    for (const c of [1, 16, 64]) {
      const append = (file: string, mode: 'group' | 'tx') =>
        runChild<AppendFigures>('bench/support/appends.ts', [join(dir, file), mode, String(c), ...quickArgs])
      const group = append(`g${c}.db`, 'group')
      const tx = append(`t${c}.db`, 'tx')
      const ratio = group.appendsPerSec / tx.appendsPerSec
      rows.push({ c, ratio, group: group.appendsPerSec })
      console.log(
        `| ${c} | ${fmt(group.appendsPerSec)} | ${group.p50.toFixed(2)} / ${group.p99.toFixed(2)} | ${(group.appends / group.groups).toFixed(1)} | ${fmt(tx.appendsPerSec)} | ${tx.p50.toFixed(2)} / ${tx.p99.toFixed(2)} | ${ratio.toFixed(1)}× |`
      )
    }
    // The audit trail's mapping index (schema.ts): only facts that name a mapping get an entry.
    console.log(
      '\n## Appends of facts that name a mapping (an entry in the mapping index each) against the same facts without, group commit'
    )
    console.log('| concurrency | without a mapping appends/s | with a mapping appends/s | ratio |')
    console.log('|---:|---:|---:|---:|')
    for (const c of [1, 16, 64]) {
      const run = (file: string, extra: string[]) =>
        runChild<AppendFigures>('bench/support/appends.ts', [
          join(dir, file),
          'group',
          String(c),
          ...quickArgs,
          ...extra
        ])
      const plain = run(`p${c}.db`, [])
      const mapped = run(`m${c}.db`, ['--mapping'])
      console.log(
        `| ${c} | ${fmt(plain.appendsPerSec)} | ${fmt(mapped.appendsPerSec)} | ${(mapped.appendsPerSec / plain.appendsPerSec).toFixed(2)}× |`
      )
    }
    const total = quick ? 200_000 : 1_000_000
    const file = join(dir, 'history.db')
    const fillStart = performance.now()
    await fill(file, total)
    console.log(
      `\n## Projection rebuild — ${fmt(total)} facts (filled in ${((performance.now() - fillStart) / 1000).toFixed(1)} s)`
    )
    const rebuild = runChild<{
      folded: number
      factsPerSec: number
      seconds: number
      events: number
      active: number
      peakRssMb: number
    }>(self, ['rebuild', file, ...quickArgs])
    console.log(`| facts folded | seconds | facts/s | integration events derived (active) | peak RSS |`)
    console.log(`|---:|---:|---:|---:|---:|`)
    console.log(
      `| ${fmt(rebuild.folded)} | ${rebuild.seconds.toFixed(2)} | ${fmt(rebuild.factsPerSec)} | ${fmt(rebuild.events)} (${fmt(rebuild.active)}) | ${rebuild.peakRssMb.toFixed(0)} MB |`
    )
    const c64 = rows.find((r) => r.c === 64)!
    console.log('\nTargets: ≥ 20,000 appends/s at c=64 and ≥ 8× baseline; rebuild ≥ 200,000 facts/s; RSS ≤ 400 MB')
    console.log(
      `Measured: ${fmt(c64.group)} appends/s at c=64 (${c64.ratio.toFixed(1)}× baseline); rebuild ${fmt(rebuild.factsPerSec)} facts/s; peak RSS ${rebuild.peakRssMb.toFixed(0)} MB`
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const [command, ...rest] = args.filter((a) => a !== '--quick')
if (command === 'rebuild') {
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
