import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { request } from 'undici'
import { waitFor } from '../../support/storeFacts.js'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const args = ['simulators/halopsa/cli.ts', '--port', '0', '--client-id', 'id', '--client-secret', 's', '--seed', 'demo']

/** Starts the CLI in its own process group and resolves with the first line it prints. */
const launch = (t: { teardown(fn: () => unknown): void }, command: string, argv: string[]) => {
  const child = spawn(command, argv, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal }))
  )
  const groupAlive = () => {
    try {
      process.kill(-child.pid!, 0)
      return true
    } catch {
      return false
    }
  }
  t.teardown(() => {
    if (groupAlive()) process.kill(-child.pid!, 'SIGKILL')
  })
  const firstLine = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 30 s; stderr: ${stderr}`)), 30_000)
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer)
      resolve(line.trim())
    })
  })
  return { child, firstLine, exited, groupAlive, stderr: () => stderr }
}

t.test('npx tsx cli.ts prints the instance URL, serves a token and a call, and stops on SIGTERM', async (t) => {
  const cli = launch(t, 'npx', ['tsx', ...args])
  const url = await cli.firstLine
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/, 'one line: the instance URL')

  const tokenRes = await request(`${url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&client_id=id&client_secret=s&scope=all'
  })
  const token = (await tokenRes.body.json()) as { access_token: string; expires_in: number }
  t.equal(tokenRes.statusCode, 200)
  t.equal(token.expires_in, 3600)
  const client = await request(`${url}/api/Client/101`, { headers: { authorization: `Bearer ${token.access_token}` } })
  t.match(await client.body.json(), { id: 101, name: 'Acme Dental Group' }, 'the demo seed is loaded')

  // As a terminal does: the signal goes to the whole process group (npm exec's shell does not forward it).
  process.kill(-cli.child.pid!, 'SIGTERM')
  await cli.exited
  await waitFor(() => !cli.groupAlive(), { what: 'every process of the CLI to exit' })
  await t.rejects(request(`${url}/api/authinfo`), 'the port is closed')
  t.equal(cli.stderr(), '')
})

t.test('the simulator process itself exits 0 on SIGTERM and on SIGINT', async (t) => {
  await Promise.all(
    (['SIGTERM', 'SIGINT'] as const).map(async (signal) => {
      const cli = launch(t, process.execPath, ['--import', 'tsx', ...args])
      t.match(await cli.firstLine, /^http:\/\/127\.0\.0\.1:\d+$/)
      cli.child.kill(signal)
      t.same(await cli.exited, { code: 0, signal: null }, `clean exit on ${signal}`)
    })
  )
})

t.test('the CLI refuses missing credentials with its usage line', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'simulators/halopsa/cli.ts', '--port', '0'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  t.equal(code, 2)
  t.match(stderr, /usage: sim:halopsa --port N --client-id ID --client-secret SECRET/)
})
