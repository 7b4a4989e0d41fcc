import { spawnSync } from 'node:child_process'

/**
 * Runs a benchmark script in a fresh Node process (through tsx) and returns the JSON of the last
 * line it printed: each case gets its own heap and JIT, so one case's warm-up does not help the next.
 */
export const runChild = <T>(script: string, args: readonly string[]): T => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 24
  })
  if (result.status !== 0) throw new Error(`bench child ${script} failed: ${result.stderr}`)
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!) as T
}
