import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import {
  skippedLine,
  skipsDirVariable,
  skipUnless,
  underCi,
  type Requirement,
  type SkipRecord
} from '../support/requirements.js'

const browser: Requirement = {
  tests: 'browser tests',
  missing: 'chromium not found on PATH',
  how: 'apt-get install -y chromium',
  installedByCi: true
}
const realServer: Requirement = {
  tests: 'conformance against a real server',
  missing: 'SERVER_URL is not set',
  how: 'start one and set SERVER_URL',
  installedByCi: false
}

/** Runs `body` with CI as given and a fresh skips folder (never the enclosing run's), then restores both. */
const withEnv = (t: Test, ci: string | undefined) => {
  const saved = { ci: process.env.CI, dir: process.env[skipsDirVariable] }
  const dir = mkdtempSync(join(tmpdir(), 'relay-skips-test-'))
  if (ci === undefined) delete process.env.CI
  else process.env.CI = ci
  process.env[skipsDirVariable] = dir
  t.teardown(() => {
    for (const [name, value] of [
      ['CI', saved.ci],
      [skipsDirVariable, saved.dir]
    ] as const) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
    rmSync(dir, { recursive: true, force: true })
  })
  return dir
}

t.test('given what the tests need is there, then nothing is skipped or recorded, under CI or not', async (t) => {
  for (const ci of [undefined, 'true']) {
    const dir = withEnv(t, ci)
    t.equal(skipUnless(true, browser), false)
    t.same(readdirSync(dir), [])
    t.equal(skippedLine(dir), undefined, 'no closing line')
  }
})

t.test('given it is missing off CI, then the reason names it and how to get it, and the run records it', async (t) => {
  const dir = withEnv(t, undefined)
  t.equal(skipUnless(false, browser), 'chromium not found on PATH: apt-get install -y chromium')
  t.equal(skippedLine(dir), 'skipped: browser tests (chromium not found on PATH: apt-get install -y chromium)')
})

t.test('given it is missing under CI and .ci/run installs it, then the tests fail instead of skipping', async (t) => {
  for (const ci of ['true', '1']) {
    const dir = withEnv(t, ci)
    t.throws(() => skipUnless(false, browser), {
      message:
        'CI is set, and the browser tests must run there, not skip: chromium not found on PATH: apt-get install -y chromium'
    })
    t.same(readdirSync(dir), [], 'no skip recorded')
  }
})

t.test('given it is missing under CI but .ci/run does not provide it, then it is skipped there too', async (t) => {
  const dir = withEnv(t, 'true')
  t.equal(skipUnless(false, realServer), 'SERVER_URL is not set: start one and set SERVER_URL')
  t.match(skippedLine(dir), /^skipped: conformance against a real server \(SERVER_URL is not set/)
})

t.test('CI=false and CI=0 are not CI; any other value is', async (t) => {
  t.equal(underCi({}), false)
  t.equal(underCi({ CI: '' }), false)
  t.equal(underCi({ CI: 'false' }), false)
  t.equal(underCi({ CI: '0' }), false)
  t.equal(underCi({ CI: 'true' }), true)
  t.equal(underCi({ CI: '1' }), true)
})

t.test('the closing line names each group of tests once, with how many files it skipped and why', async (t) => {
  const dir = withEnv(t, undefined)
  const write = (name: string, skip: SkipRecord) => writeFileSync(join(dir, `${name}.json`), JSON.stringify(skip))
  write('a', { tests: 'browser tests', reason: 'no chromium: install it', file: 'test/web/a.test.ts' })
  write('b', { tests: 'browser tests', reason: 'no chromium: install it', file: 'test/web/b.test.ts' })
  write('c', { tests: 'compose validation', reason: 'no docker-compose: install it', file: 'test/deploy/c.test.ts' })
  t.equal(
    skippedLine(dir),
    'skipped: browser tests, 2 files (no chromium: install it); compose validation (no docker-compose: install it)'
  )
})
