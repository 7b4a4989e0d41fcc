/**
 * Child process of the store benchmarks: `concurrency` workers, each keeping one single-fact append
 * in flight on a fresh store file, for a fixed time or count; prints one JSON line of figures.
 *
 *   tsx bench/support/appends.ts <file> <group|tx> <concurrency> [--quick] [--mapping]
 *
 * `group` is group commit (the relay's default), `tx` one transaction and one fsync per append.
 * `--mapping`: each fact names a mapping (`mappingId` at the top of its data), as mapping, billing
 * and health facts do, so each append also writes an entry of the audit trail's mapping index.
 */
import { newId } from '../../src/domain/ids.js'
import { openSqliteStore } from '../../src/store/sqlite/sqliteStore.js'
import { detectionFact } from './detection.js'

export type AppendFigures = { appendsPerSec: number; p50: number; p99: number; appends: number; groups: number }

const args = process.argv.slice(2)
const flags = new Set(args.filter((a) => a.startsWith('--')))
const [file, mode, concurrencyArg] = args.filter((a) => !a.startsWith('--'))
const quick = flags.has('--quick')
const withMapping = flags.has('--mapping')
const concurrency = Number(concurrencyArg)

const store = openSqliteStore({
  path: file!,
  groupCommit: mode !== 'tx'
})
const seconds = quick ? 1.5 : 4
const cap = quick ? 10_000 : 40_000
for (let i = 0; i < 20; i++) await store.append(`warm-${i}`, [detectionFact('Warm')])
const latencies: number[] = []
let done = 0
const started = performance.now()
const deadline = started + seconds * 1000
const worker = async () => {
  while (performance.now() < deadline && done < cap) {
    // Ids and delivery stream names are time-ordered, as the relay's are (UUID v7; a delivery's
    // stream starts with its send time, src/domain/streams.ts).
    const t0 = performance.now()
    const fact = detectionFact()
    if (withMapping) fact.data = { mappingId: newId(), ...(fact.data as object) }
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
const figures: AppendFigures = {
  appendsPerSec: done / elapsed,
  p50: pct(0.5),
  p99: pct(0.99),
  appends: done,
  groups: stats.groups
}
console.log(JSON.stringify(figures))
