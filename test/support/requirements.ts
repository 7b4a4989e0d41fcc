import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join, relative } from 'node:path'

/**
 * Tests that need something from outside npm (a browser, docker-compose, a real EventStoreDB).
 * Without it they are skipped with a reason that names the missing thing and how to get it, and the
 * reason is recorded for the line `npm test` ends with (test/run.ts). Under CI (`CI` set, as .ci/run
 * sets it) what .ci/run installs is required instead: missing, it fails the run, so CI never turns
 * green by skipping.
 */

export type Requirement = {
  /** The tests that cannot run, as the closing line names them: `browser tests`. */
  tests: string
  /** What is missing: `chromium not found on PATH`. */
  missing: string
  /** How to get it: `apt-get install -y chromium`. */
  how: string
  /** .ci/run installs it, so under CI its absence is a failure, not a skip. */
  installedByCi: boolean
}

/** A skip as test/run.ts reads it back: one file per test file and requirement. */
export type SkipRecord = { tests: string; reason: string; file: string }

/** The folder test/run.ts collects one run's skips in; unset when tap runs on its own. */
export const skipsDirVariable = 'TEST_SKIPS_DIR'

/** CI=true (or any value but `false` and `0`), as CI services and .ci/run set it. */
export const underCi = (env: NodeJS.ProcessEnv = process.env) => !!env.CI && env.CI !== 'false' && env.CI !== '0'

export const skipReason = (requirement: Requirement) => `${requirement.missing}: ${requirement.how}`

const record = (requirement: Requirement, reason: string) => {
  const dir = process.env[skipsDirVariable]
  if (!dir) return
  const file = relative(process.cwd(), process.argv[1] ?? 'unknown')
  const skip: SkipRecord = { tests: requirement.tests, reason, file }
  mkdirSync(dir, { recursive: true })
  const name = `${basename(file)}-${requirement.tests}`.replace(/[^\w.-]+/g, '-')
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(skip))
}

/**
 * tap's `skip` option for tests that need `requirement`: false when it is available, else the reason
 * (recorded for the closing line). Under CI, for what .ci/run installs, it throws instead: at the top
 * of a test file that fails the file with the message.
 */
export const skipUnless = (available: boolean, requirement: Requirement): string | false => {
  if (available) return false
  const reason = skipReason(requirement)
  if (requirement.installedByCi && underCi())
    throw new Error(`CI is set, and the ${requirement.tests} must run there, not skip: ${reason}`)
  record(requirement, reason)
  return reason
}

/**
 * For a file whose every test needs `requirement`, called before anything starts: when it is
 * missing (off CI), the file is reported skipped with the reason and its process ends here.
 */
export const skipFileUnless = (
  t: { plan(count: number, reason: string): void },
  available: boolean,
  requirement: Requirement
) => {
  const reason = skipUnless(available, requirement)
  if (reason === false) return
  t.plan(0, reason)
  process.exit(0)
}

/**
 * The closing line of `npm test` from the skips recorded in `dir`, one entry per group of tests and
 * reason: `skipped: browser tests, 4 files (chromium not found on PATH: apt-get install -y …); …`.
 * Undefined when nothing was skipped for want of something.
 */
export const skippedLine = (dir: string): string | undefined => {
  const groups = new Map<string, { tests: string; reason: string; files: Set<string> }>()
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const skip = JSON.parse(readFileSync(join(dir, name), 'utf8')) as SkipRecord
    const key = `${skip.tests}\n${skip.reason}`
    const group = groups.get(key) ?? { tests: skip.tests, reason: skip.reason, files: new Set<string>() }
    group.files.add(skip.file)
    groups.set(key, group)
  }
  if (groups.size === 0) return undefined
  const entries = [...groups.values()].map(
    ({ tests, reason, files }) => `${tests}${files.size > 1 ? `, ${files.size} files` : ''} (${reason})`
  )
  return `skipped: ${entries.join('; ')}`
}

/** A real EventStoreDB server, which .ci/run does not start. */
export const realEventStoreDb: Requirement = {
  tests: 'store conformance against a real EventStoreDB',
  missing: 'TEST_EVENTSTOREDB_URL is not set',
  how: "start one with docker compose up -d kurrentdb and set TEST_EVENTSTOREDB_URL='esdb://127.0.0.1:2113?tls=false', see docs/deployment.md",
  installedByCi: false
}
