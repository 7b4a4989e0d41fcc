/**
 * `npm test [-- tap arguments]`: tap over the suite (its settings are package.json's "tap"), then
 * one line saying which tests were skipped for want of something outside npm and how to get it
 * (test/support/requirements.ts records each skip). Exits with tap's code.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { skippedLine, skipsDirVariable } from './support/requirements.js'

const require = createRequire(import.meta.url)
const tapManifest = require.resolve('tap/package.json')
const tap = join(dirname(tapManifest), (require(tapManifest) as { bin: { tap: string } }).bin.tap)

// Tap builds its Test class with the plugins package.json's "tap.plugin" names, but a checkout fresh
// from `npm ci` has tap's default build. Tap rebuilds it when it starts, yet hands the test processes
// of that same run the old build's module hooks (TypeScript through ts-node, mocks): in a fresh clone
// the whole first run was ~50% slower. So a default build, the one that loads the TypeScript plugin
// this project switches off, is rebuilt first, on its own.
const testBuilt = join(dirname(require.resolve('@tapjs/test/package.json')), 'test-built/dist/esm/index.js')
if (readFileSync(testBuilt, 'utf8').includes('@tapjs/typescript')) {
  const build = spawn(process.execPath, [tap, 'build'], { stdio: 'inherit' })
  const [code] = (await once(build, 'exit')) as [number | null]
  if (code !== 0) process.exit(code ?? 1)
}

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
