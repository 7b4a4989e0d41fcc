import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

/**
 * A new contributor's first `npm test` on a machine without Chromium: the browser tests are skipped,
 * saying what is missing and how to get it, and the run passes; under CI the same run fails. Each
 * case is a child `npm test` of one browser test file, as a person would run it.
 */

const root = fileURLToPath(new URL('../..', import.meta.url))
const browserFile = 'test/web/mappings.test.ts'

/** A shell's environment: none of this tap run's own variables, and no CI or CHROMIUM_PATH. */
const shellEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(TAP|_TAPJS)/.test(name) && !['NODE_OPTIONS', 'CI', 'CHROMIUM_PATH'].includes(name)
    )
  )

/**
 * The project seen through a folder of links: the child tap keeps its own .tap/ state there instead
 * of clearing the one the tap run around it is writing to.
 */
const linkedProject = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'gz-halo-relay-fresh-'))
  for (const entry of readdirSync(root)) {
    if (entry !== '.tap' && entry !== 'test-output') symlinkSync(join(root, entry), join(dir, entry))
  }
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const npmTest = async (env: NodeJS.ProcessEnv) => {
  const child = spawn('npm', ['test', '--', '--reporter=tap', browserFile], {
    cwd: linkedProject(),
    env,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const [code] = (await once(child, 'exit')) as [number | null]
  return { code, output }
}

// Started together: each is mostly tap's and tsx's start-up.
const offCi = npmTest({ ...shellEnv(), CHROMIUM_PATH: '/nonexistent' })
const underCi = npmTest({ ...shellEnv(), CHROMIUM_PATH: '/nonexistent', CI: 'true' })

const reason = 'chromium not found at CHROMIUM_PATH=/nonexistent: apt-get install -y chromium on Debian'

t.test(
  'given no chromium and CI unset, when npm test runs a browser test file, then the file is skipped with the reason and the run passes',
  async (t) => {
    const { code, output } = await offCi
    t.equal(code, 0, output)
    t.match(output, `ok 1 - ${browserFile} # SKIP ${reason}`, 'tap reports the file skipped, saying why')
    t.match(output, /^# \{ total: 1, pass: 0, skip: 1 \}$/m, 'the summary .ci/run reads counts one skip')
    t.match(
      output.trimEnd().split('\n').at(-1),
      `skipped: browser tests (${reason}, or set CHROMIUM_PATH to a Chromium binary)`,
      'the run ends with what was skipped and why'
    )
    t.notMatch(output, /not ok/)
  }
)

t.test(
  'given no chromium and CI=true, when npm test runs the same file, then the file fails with the reason and the run fails',
  async (t) => {
    const { code, output } = await underCi
    t.not(code, 0, 'npm test exits non-zero')
    t.match(output, `CI is set, and the browser tests must run there, not skip: ${reason}`)
    t.match(output, `not ok 1 - ${browserFile}`)
    t.match(output, /^# \{ total: 1, pass: 0, fail: 1 \}$/m)
    t.notMatch(output, /# SKIP|^skipped:/m, 'nothing is skipped')
  }
)
