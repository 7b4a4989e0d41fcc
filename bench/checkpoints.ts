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

/** What one run gives: its rate (higher is better) and its p99 latency in ms. */
type Run = { rate: number; p99: number }
const appendRun = (figures: AppendFigures): Run => ({ rate: figures.appendsPerSec, p99: figures.p99 })
const appendArgs = (file: string, variant: Variant, ...more: string[]) => [
  file,
  'group',
  '64',
  ...more,
  ...flag(variant)
]

const cases: { name: string; unit: string; run(file: string, variant: Variant): Run }[] = [
  {
    name: 'appends',
    unit: 'appends/s at c=64 (bench/store.ts case)',
    run: (file, variant) =>
      appendRun(runChild('bench/support/appends.ts', appendArgs(file, variant, ...(quick ? ['--quick'] : []))))
  },
  {
    name: 'sustained',
    unit: `appends/s at c=64 for ${sustainedSeconds} s, no cap`,
    run: (file, variant) =>
      appendRun(runChild('bench/support/appends.ts', appendArgs(file, variant, `--seconds=${sustainedSeconds}`)))
  },
  {
    name: 'webhook',
    unit: `events/s, GravityZone pushes of 50 events at c=16 for ${webhookSeconds} s`,
    run: (file, variant) => {
      const figures = runChild<LoadFigures>('bench/support/webhookBatches.ts', [
        file,
        String(webhookSeconds),
        ...flag(variant)
      ])
      return { rate: figures.eventsPerSec, p99: figures.p99 }
    }
  }
]

const fmt = (n: number) => Math.round(n).toLocaleString('en-US')
const sum = (xs: number[]) => xs.reduce((n, x) => n + x, 0)
const median = (xs: number[]) => {
  const sorted = [...xs].sort((x, y) => x - y)
  const middle = sorted.length / 2
  return sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}
const lastLine = (error: unknown) =>
  String(error)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .at(-1)
const dir = mkdtempSync(join(tmpdir(), 'relay-checkpoints-bench-'))
try {
  console.log(`## Checkpoint thread A/B: ${rounds} rounds, taking turns, fresh process and file per run`)
  for (const c of cases.filter((c) => !only || c.name === only)) {
    const runs: Record<Variant, Run[]> = { with: [], without: [] }
    console.log(`\n### ${c.name}: ${c.unit}`)
    console.log('| round | with the thread | without (baseline) | ratio | p99 ms with | p99 ms without |')
    console.log('|---:|---:|---:|---:|---:|---:|')
    for (let round = 0; round < rounds; round++) {
      const order: Variant[] = round % 2 === 0 ? ['with', 'without'] : ['without', 'with']
      const pair: Partial<Record<Variant, Run>> = {}
      try {
        for (const variant of order) pair[variant] = c.run(join(dir, `${c.name}-${round}-${variant}.db`), variant)
      } catch (error) {
        // A run that failed (on a machine this busy, a load generator that got no answer in time)
        // leaves its round out rather than the whole comparison.
        console.log(`| ${round + 1} | round left out: ${lastLine(error)} | | | | |`)
        continue
      } finally {
        for (const variant of order)
          for (const suffix of ['', '-wal', '-shm'])
            rmSync(join(dir, `${c.name}-${round}-${variant}.db${suffix}`), { force: true })
      }
      const [a, b] = [pair.with!, pair.without!]
      runs.with.push(a)
      runs.without.push(b)
      console.log(
        `| ${round + 1} | ${fmt(a.rate)} | ${fmt(b.rate)} | ${(a.rate / b.rate).toFixed(2)} | ${a.p99.toFixed(1)} | ${b.p99.toFixed(1)} |`
      )
    }
    const n = runs.with.length
    if (n === 0) continue
    const rate = (variant: Variant) => runs[variant].map((r) => r.rate)
    const ratios = runs.with.map((a, i) => a.rate / runs.without[i]!.rate)
    console.log(
      `${c.name}: with/without ${(sum(rate('with')) / sum(rate('without'))).toFixed(2)} over ${n} rounds ` +
        `(per round: median ${median(ratios).toFixed(2)}, ${Math.min(...ratios).toFixed(2)}–` +
        `${Math.max(...ratios).toFixed(2)}, the thread ahead in ${ratios.filter((r) => r > 1).length} of ${n}); ` +
        `mean ${fmt(sum(rate('with')) / n)} with, ${fmt(sum(rate('without')) / n)} without; ` +
        `median p99 ${median(runs.with.map((r) => r.p99)).toFixed(1)} ms with, ` +
        `${median(runs.without.map((r) => r.p99)).toFixed(1)} ms without`
    )
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
