import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

/**
 * Every command the project ships answers --help with its usage on stdout and exit code 0, before
 * it starts anything; a mistyped option is refused with the synopsis and exit code 2.
 */

const root = fileURLToPath(new URL('../..', import.meta.url))
const scripts = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts

/** package.json scripts that are this project's own commands. */
const ourScripts = ['sim:gravityzone', 'sim:halopsa', 'esdb:standin', 'demo', 'bench', 'test', 'start']
/** Other scripts: other tools' commands, and the scripts that run the build. */
const otherScripts = ['build', 'typecheck', 'lint', 'format', 'dev', 'doctor']
/** Scripts run with tsx directly, as their headers say. */
const files = ['bench/store.ts', 'bench/webhook.ts', 'bench/esdb.ts', 'test/web/readmeScreenshot.ts']

/** This tap run's variables would make a tap started below report to it. */
const env = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(TAP|_TAPJS)/.test(name) && name !== 'NODE_OPTIONS')
)

const run = async (command: string, args: string[]) => {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const [code] = (await once(child, 'exit')) as [number | null]
  return { code, stdout, stderr }
}
const tsx = (file: string, ...args: string[]) => run(process.execPath, ['--import', 'tsx', file, ...args])

/**
 * `npm run <script> -- args` without npm's own start-up (most of the cost, and npm only appends the
 * arguments): the script's command run directly, `tsx <file>` as `node --import tsx <file>`.
 */
const runScript = (script: string, ...args: string[]) => {
  const [command, ...rest] = scripts[script]!.split(' ')
  if (command === 'tsx') return tsx(rest.join(' '), ...args)
  if (command === 'node') return run(process.execPath, [...rest, ...args])
  throw new Error(`${script}: ${scripts[script]} is neither tsx nor node`)
}

t.test('every package.json script is either one of our commands checked here or another tool', async (t) => {
  t.same(Object.keys(scripts).sort(), [...ourScripts, ...otherScripts].sort())
})

t.test('npm run sim:halopsa -- --help prints its usage and exits 0', async (t) => {
  const { code, stdout, stderr } = await run('npm', ['run', '--silent', 'sim:halopsa', '--', '--help'])
  t.equal(code, 0, stderr)
  t.match(stdout, /^usage: sim:halopsa --port N --client-id ID --client-secret SECRET/)
  t.match(stdout, /-h, --help/)
  t.equal(stderr, '', 'nothing on stderr')
})

for (const script of ourScripts) {
  t.test(`the command of npm run ${script}, given --help, prints its usage and exits 0`, async (t) => {
    const { code, stdout, stderr } = await runScript(script, '--help')
    t.equal(code, 0, stderr)
    // npm test hands its arguments to tap, whose usage this is.
    t.match(stdout, script === 'test' ? /^TAP - Test Anything Protocol[\s\S]*Usage:/ : /^usage: /)
    t.equal(stderr, '', 'nothing on stderr')
  })
}

for (const file of files) {
  t.test(`npx tsx ${file} --help prints its usage and exits 0`, async (t) => {
    const { code, stdout, stderr } = await tsx(file, '--help')
    t.equal(code, 0, stderr)
    t.match(stdout, new RegExp(`^usage: npx tsx ${file}`))
    t.match(stdout, /-h, --help/)
    t.equal(stderr, '')
  })
}

t.test('a mistyped option or a stray argument is refused with the synopsis and exit code 2', async (t) => {
  const halo = await runScript('sim:halopsa', '--client-secert', 's')
  t.equal(halo.code, 2)
  t.match(halo.stderr, "Unknown option '--client-secert'")
  t.match(halo.stderr, /^usage: sim:halopsa --port N/m)
  t.equal(halo.stdout, '', 'nothing started, so no URL printed')

  // bench/store.ts runs its cases as child commands of itself; a word it does not know is no case.
  const store = await tsx('bench/store.ts', 'quick')
  t.equal(store.code, 2)
  t.match(store.stderr, /^usage: npx tsx bench\/store.ts \[--quick\]$/m)
})

t.test('npm start without a build says to run npm run build first and exits 1', async (t) => {
  // Given the launcher in a checkout that was never built (a copy, so this checkout's dist/ is irrelevant)
  const checkout = mkdtempSync(join(tmpdir(), 'relay-unbuilt-'))
  t.teardown(() => rmSync(checkout, { recursive: true, force: true }))
  mkdirSync(join(checkout, 'bin'))
  copyFileSync(join(root, scripts.start!.split(' ')[1]!), join(checkout, 'bin', 'start.js'))
  // When it is started
  const { code, stdout, stderr } = await run(process.execPath, [join(checkout, 'bin', 'start.js')])
  // Then it says what to do, and nothing starts
  t.equal(code, 1)
  t.match(stderr, /not built yet: run `npm run build` first/)
  t.equal(stdout, '')
})
