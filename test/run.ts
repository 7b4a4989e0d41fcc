/**
 * `npm test [-- tap arguments]`: tap over the suite (its settings are package.json's "tap"), then
 * one line saying which tests were skipped for want of something outside npm and how to get it
 * (test/support/requirements.ts records each skip). Exits with tap's code.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { skippedLine, skipsDirVariable } from './support/requirements.js'

const require = createRequire(import.meta.url)
const tapManifest = require.resolve('tap/package.json')
const tap = join(dirname(tapManifest), (require(tapManifest) as { bin: { tap: string } }).bin.tap)

// A folder of this run's own: a run started inside a test (test/tooling) must not mix with this one.
const skips = mkdtempSync(join(tmpdir(), 'relay-test-skips-'))
const child = spawn(process.execPath, [tap, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, [skipsDirVariable]: skips }
})
// Ctrl-C reaches tap too (same process group): wait for it to stop, then clean up.
process.on('SIGINT', () => {})
process.on('SIGTERM', () => child.kill('SIGTERM'))
const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null]
try {
  const line = skippedLine(skips)
  if (line) console.log(line)
} finally {
  rmSync(skips, { recursive: true, force: true })
}
process.exit(code ?? (signal === 'SIGINT' ? 130 : 1))
