/**
 * `npm run bench`: every benchmark in one run, each printing its own figures and ratios.
 * Pass --quick for shorter runs.
 */
import { spawnSync } from 'node:child_process'

const quick = process.argv.includes('--quick') ? ['--quick'] : []
const benches = ['bench/store.ts', 'bench/webhook.ts', 'bench/esdb.ts']
let failed = 0
for (const bench of benches) {
  console.log(`\n# ${bench}\n`)
  const result = spawnSync(process.execPath, ['--import', 'tsx', bench, ...quick], { stdio: 'inherit' })
  if (result.status !== 0) failed++
}
process.exit(failed === 0 ? 0 : 1)
