import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import t from 'tap'
import { createGravityZoneClient } from '../../../src/platforms/gravityzone/client.js'
import { demoPartner } from '../../../simulators/kit/demoSeed.js'
import { waitFor } from '../../support/storeFacts.js'

const root = new URL('../../../', import.meta.url).pathname

/**
 * `npx` runs the CLI under an `npm exec` process that does not pass SIGTERM on: signalling only the
 * npx pid would orphan the simulator. So the CLI runs in its own process group and the test signals
 * the group, as a terminal's Ctrl-C does, and checks nothing in it survives.
 */
const startCli = (args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess =>
  spawn('npx', ['tsx', 'simulators/gravityzone/cli.ts', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env
  })

const groupAlive = (pid: number): boolean => {
  try {
    process.kill(-pid, 0)
    return true
  } catch {
    return false
  }
}

// Started at once so its npx start-up overlaps the other test's.
const refusal = (async () => {
  const child = startCli(['--port', '0'], { ...process.env, GZ_API_KEY: '' })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const [code] = (await once(child, 'exit')) as [number | null]
  return { code, stderr }
})()

t.test(
  'the CLI starts alone, prints one line with the Access URL, answers an authenticated call and stops on SIGTERM',
  async (t) => {
    const child = startCli(['--port', '0', '--api-key', 'k', '--seed', 'demo'])
    const pid = child.pid!
    t.teardown(() => {
      if (groupAlive(pid)) process.kill(-pid, 'SIGKILL')
    })
    let stdout = ''
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL within 20 s; stderr: ${stderr}`)), 20_000)
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
        if (!stdout.includes('\n')) return
        clearTimeout(timer)
        resolve(stdout.split('\n')[0]!.trim())
      })
      child.on('exit', (code) => reject(new Error(`exited with ${code}; stderr: ${stderr}`)))
    })
    t.match(url, /^http:\/\/127\.0\.0\.1:\d+\/api$/)

    const client = createGravityZoneClient({ apiUrl: url, apiKey: 'k', retry: { retries: 0 } })
    t.teardown(() => client.close())
    const own = await client.getCompanyDetails()
    t.equal(own.id, demoPartner.companyId)
    t.equal(own.name, demoPartner.name)

    process.kill(-pid, 'SIGTERM')
    await waitFor(() => !groupAlive(pid), { timeoutMs: 10_000, what: 'every process of the CLI to exit' })
    t.pass('nothing of the CLI is left running')
    t.match(await client.getApiKeyDetails().catch((e: unknown) => e), { kind: 'network' }, 'the port is closed')
    t.equal(stdout.trim().split('\n').length, 1, 'exactly one line printed')
    t.equal(stderr.trim(), '', 'nothing on stderr')
  }
)

t.test('the CLI refuses to start without an API key, saying why', async (t) => {
  const { code, stderr } = await refusal
  t.equal(code, 1)
  t.match(stderr, /--api-key is required/)
})
