/**
 * `npm run bench`: every benchmark in one run, each printing its own figures and ratios.
 * Pass --quick for shorter runs.
 */
import { spawnSync } from 'node:child_process'
import { readCommandLine } from '../simulators/kit/cli.js'

const options = readCommandLine(
  `usage: npm run bench [-- --quick]

Runs bench/store.ts, bench/webhook.ts, bench/esdb.ts and bench/history.ts one after the other; each
prints its own figures and their ratios to a baseline measured in the same run. Takes a few minutes,
and once the time to build the history stores (test-output/, kept for the next runs).

  --quick      shorter runs (rougher figures)
  -h, --help   this text`,
  { quick: { type: 'boolean', default: false } }
)
const quick = options.quick ? ['--quick'] : []
const benches = ['bench/store.ts', 'bench/webhook.ts', 'bench/esdb.ts', 'bench/history.ts']
let failed = 0
for (const bench of benches) {
  console.log(`\n# ${bench}\n`)
  const result = spawnSync(process.execPath, ['--import', 'tsx', bench, ...quick], { stdio: 'inherit' })
  if (result.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
