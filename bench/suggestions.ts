/**
 * Mapping suggestions benchmark (docs/benchmarks.md#what-each-benchmark-measures): pairing 2,000
 * unmapped GravityZone companies with 2,000 HaloPSA clients by name, as GET
 * /api/mappings/suggestions does, against comparing every company with every client (the baseline,
 * the same similarity without blocking), in the same run. It also counts the pairs each finds, so a
 * faster pairing that found fewer would show.
 *
 *   npx tsx bench/suggestions.ts [--quick]
 */
import { createComparer, normaliseName, suggestPairs } from '../src/domain/nameMatching.js'
import { readCommandLine } from '../simulators/kit/cli.js'

const options = readCommandLine(
  `usage: npx tsx bench/suggestions.ts [--quick]

Mapping suggestions: 2,000 × 2,000 names paired with blocking (what the API does) against every
pair compared, in the same run.

  --quick      1,000 × 1,000 names and fewer rounds
  -h, --help   this text`,
  { quick: { type: 'boolean', default: false } }
)
const n = options.quick ? 1_000 : 2_000
const rounds = options.quick ? 2 : 4

// A deterministic MSP customer base: two or three words from common business vocabulary, so many
// names share words ("Dental", "Services"), as real ones do.
const words = [
  'Acme',
  'Birchwood',
  'Cobalt',
  'Dunmore',
  'Elmstead',
  'Fenwick',
  'Greystone',
  'Harbour',
  'Ironbridge',
  'Juniper',
  'Kestrel',
  'Larkspur',
  'Meridian',
  'Northgate',
  'Oakridge',
  'Pinecrest',
  'Quayside',
  'Redfern',
  'Silverline',
  'Thornbury',
  'Upland',
  'Valebrook',
  'Westfield',
  'Yarrow',
  'Zenith',
  'Ashcombe',
  'Bramblewood',
  'Caldwell'
]
const trades = [
  'Dental',
  'Legal',
  'Logistics',
  'Veterinary',
  'Architects',
  'Accounting',
  'Hotel',
  'Engineering',
  'Health',
  'Insurance',
  'Florists',
  'Property',
  'Motors',
  'Practice',
  'Manufacturing',
  'Marine',
  'Solicitors',
  'Couriers'
]
const tails = ['Group', 'Services', 'Partners', '& Sons', 'Studio', 'Clinic', '']
const suffixes = ['', ' Ltd', ' LLC', ' Inc.', ' GmbH', ' Limited']
let seed = 42
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31
  return seed / 2 ** 31
}
const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!
const base = Array.from({ length: n }, (_, i) =>
  `${pick(words)} ${pick(trades)} ${pick(tails)} ${i}`.replace(/\s+/g, ' ').trim()
)
const companies = base.map((name, i) => ({ id: `c${i}`, name }))
// Clients: the same customers with another legal suffix, some typed differently, some missing.
const clients = base.map((name, i) => ({
  id: i,
  name: i % 7 === 0 ? `${name.toLowerCase()} (new)` : i % 11 === 0 ? `Other ${i}` : `${name}${pick(suffixes)}`
}))

const allPairs = (minConfidence: number) => {
  const { prepare, similarity } = createComparer()
  const cs = companies.map((c) => prepare(normaliseName(c.name)))
  const ks = clients.map((c) => prepare(normaliseName(c.name)))
  let found = 0
  for (const c of cs) for (const k of ks) if (similarity(c, k) >= minConfidence) found++
  return found
}

const time = async (work: () => number | Promise<number>) => {
  const started = process.hrtime.bigint()
  const result = await work()
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, result }
}

// Unmeasured warm-up of both, then turns. Without a pace: the comparison alone, as the baseline's.
await suggestPairs(companies.slice(0, 200), clients.slice(0, 200))
allPairs(0.99)
const blocked: number[] = []
const baseline: number[] = []
let pairs = 0
let exact = 0
let candidates = 0
for (let r = 0; r < rounds; r++) {
  const b = await time(async () => {
    const found = await suggestPairs(companies, clients)
    pairs = found.length
    exact = found.filter((p) => p.exact).length
    return found.length
  })
  blocked.push(b.ms)
  const a = await time(() => allPairs(0.5))
  baseline.push(a.ms)
  candidates = a.result
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!
const mBlocked = median(blocked)
const mBaseline = median(baseline)
console.log(`| ${n} × ${n} names | median of ${rounds} | pairs |`)
console.log('|---|---:|---:|')
console.log(`| suggestions (blocking, one pair per name) | ${mBlocked.toFixed(1)} ms | ${pairs} (${exact} exact) |`)
console.log(`| every pair compared (baseline) | ${mBaseline.toFixed(1)} ms | ${candidates} above 0.5 |`)
console.log(`\nsuggestions take ${((mBlocked / mBaseline) * 100).toFixed(1)}% of the baseline's time`)
