/**
 * Checkpoint thread A/B: the same cases on fresh store files with the checkpoint thread (the
 * relay's default, src/store/sqlite/checkpointThread.ts) and without it (the baseline: the
 * writer's automatic checkpoint alone), taking turns round by round (A B, then B A, …) so that the
 * machine's drift falls on both alike. Every run is a fresh process on a fresh file.
 *
 * Cases: single-fact appends at concurrency 64 as bench/store.ts measures them (capped, a few
 * seconds); the same for a fixed time with no cap, so the WAL goes through several checkpoints;
 * and GravityZone pushes of 50 events through the whole relay (bench/webhook.ts's batch case).
 *
 *   npx tsx bench/checkpoints.ts [--rounds=6] [--quick] [--only=appends|sustained|webhook]
 *
 * Prints each round's figures and, per case, the ratio with/without over the summed runs and the
 * range of the per-round ratios (a range straddling 1.00 is noise).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AppendFigures } from './support/appends.js'
import type { LoadFigures } from './support/relayUnderLoad.js'
import { runChild } from './support/child.js'

const args = process.argv.slice(2)
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]
const quick = args.includes('--quick')
const rounds = Number(option('rounds') ?? (quick ? 2 : 6))
const only = option('only')
const sustainedSeconds = quick ? 4 : 10
const webhookSeconds = quick ? 4 : 8

type Variant = 'with' | 'without'
const flag = (variant: Variant) => (variant === 'without' ? ['--no-checkpoint-thread'] : [])

const cases: { name: string; unit: string; run(file: string, variant: Variant): number }[] = [
  {
    name: 'appends',
    unit: 'appends/s at c=64 (bench/store.ts case)',
    run: (file, variant) =>
      runChild<AppendFigures>('bench/support/appends.ts', [
        file,
        'group',
        '64',
        ...(quick ? ['--quick'] : []),
        ...flag(variant)
      ]).appendsPerSec
  },
  {
    name: 'sustained',
    unit: `appends/s at c=64 for ${sustainedSeconds} s, no cap`,
    run: (file, variant) =>
      runChild<AppendFigures>('bench/support/appends.ts', [
        file,
        'group',
        '64',
        `--seconds=${sustainedSeconds}`,
        ...flag(variant)
      ]).appendsPerSec
  },
  {
    name: 'webhook',
    unit: `events/s, GravityZone pushes of 50 events at c=16 for ${webhookSeconds} s`,
    run: (file, variant) =>
      runChild<LoadFigures>('bench/support/webhookBatches.ts', [file, String(webhookSeconds), ...flag(variant)])
        .eventsPerSec
  }
]

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
const dir = mkdtempSync(join(tmpdir(), 'relay-checkpoints-bench-'))
try {
  console.log(`## Checkpoint thread A/B: ${rounds} rounds, taking turns, fresh process and file per run`)
  for (const c of cases.filter((c) => !only || c.name === only)) {
    const figures: Record<Variant, number[]> = { with: [], without: [] }
    console.log(`\n### ${c.name}: ${c.unit}`)
    console.log('| round | with the thread | without (baseline) | ratio |')
    console.log('|---:|---:|---:|---:|')
    for (let round = 0; round < rounds; round++) {
      const order: Variant[] = round % 2 === 0 ? ['with', 'without'] : ['without', 'with']
      const pair: Partial<Record<Variant, number>> = {}
      try {
        for (const variant of order) pair[variant] = c.run(join(dir, `${c.name}-${round}-${variant}.db`), variant)
      } catch (error) {
        // A run that failed (on a machine this busy, a load generator that got no answer in time)
        // leaves its round out rather than the whole comparison.
        console.log(`| ${round + 1} | round left out: ${String(error).split('\n').at(-1)} | | |`)
        continue
      } finally {
        for (const variant of order)
          for (const suffix of ['', '-wal', '-shm'])
            rmSync(join(dir, `${c.name}-${round}-${variant}.db${suffix}`), { force: true })
      }
      figures.with.push(pair.with!)
      figures.without.push(pair.without!)
      console.log(
        `| ${round + 1} | ${fmt(pair.with!)} | ${fmt(pair.without!)} | ${(pair.with! / pair.without!).toFixed(2)} |`
      )
    }
    if (figures.with.length === 0) continue
    const sum = (xs: number[]) => xs.reduce((n, x) => n + x, 0)
    const ratios = figures.with.map((a, i) => a / figures.without[i]!).sort((x, y) => x - y)
    const middle = ratios.length / 2
    const median = ratios.length % 2 ? ratios[Math.floor(middle)]! : (ratios[middle - 1]! + ratios[middle]!) / 2
    console.log(
      `${c.name}: with/without ${(sum(figures.with) / sum(figures.without)).toFixed(2)} over all rounds ` +
        `(per round: median ${median.toFixed(2)}, ${ratios[0]!.toFixed(2)}–${ratios.at(-1)!.toFixed(2)}); ` +
        `${figures.with.length} rounds, mean ${fmt(sum(figures.with) / figures.with.length)} with, ` +
        `${fmt(sum(figures.without) / figures.without.length)} without`
    )
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
