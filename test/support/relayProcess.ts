import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { tokens, webhookSecrets } from './app.js'

/**
 * The relay as production runs it: `src/main.ts` in a process of its own, configured from the
 * environment, on a store the caller names. It runs in its own process group so a test can kill
 * it the way a crash does (SIGKILL to the group) and nothing of it outlives the test.
 */

const root = new URL('../../', import.meta.url).pathname

/** Nothing listens on port 1: the platforms are unreachable, which start-up must not mind. */
const unreachable = 'http://127.0.0.1:1'

/** Configuration for a relay on `eventStoreUrl`, with the secrets the in-process test apps use. */
export const relayEnvironment = (eventStoreUrl: string): Record<string, string> => ({
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
  EVENT_STORE_URL: eventStoreUrl,
  API_TOKENS: `grafana:read:${tokens.reader}`,
  GZ_API_URL: `${unreachable}/api`,
  GZ_API_KEY: webhookSecrets.gravityzoneApiKey,
  GZ_PUSH_AUTHORIZATION: webhookSecrets.gravityzoneAuthorization,
  HALO_URL: unreachable,
  HALO_CLIENT_ID: 'relay-crash-test',
  HALO_CLIENT_SECRET: 'halo-client-secret-0123',
  HALO_WEBHOOK_USER: webhookSecrets.halopsaUser,
  HALO_WEBHOOK_PASSWORD: webhookSecrets.halopsaPassword,
  POLL_INTERVAL: '1h',
  PUSH_WATCHDOG_INTERVAL: '1h'
})

export type RelayProcess = {
  /** `http://127.0.0.1:<port>`, read from the relay's own "is listening" log line. */
  url: string
  pid: number
  /** Resolves when the process has exited: its exit code, or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  running(): boolean
  /** Sends `signal` to the relay's process group (no-op once it has exited). */
  signal(signal: NodeJS.Signals): void
  /** stderr and the last lines of stdout, for failure messages. */
  output(): string
}

const KEPT_LINES = 50

/**
 * Starts `src/main.ts` with exactly `env` (plus PATH and HOME) and waits until it listens.
 * `built`: runs the compiled relay (`dist/src/main.js`, made by `npm run build`) as `npm start` and
 * the image do, without tsx compiling the sources at start-up (the benchmarks time start-up).
 */
export const startRelayProcess = async (
  env: Record<string, string>,
  { timeoutMs = 30_000, built = false } = {}
): Promise<RelayProcess> => {
  const entry = built ? ['dist/src/main.js'] : ['--import', 'tsx', 'src/main.ts']
  const child = spawn(process.execPath, entry, {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? root, ...env }
  })
  const pid = child.pid!
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null
  }))
  let running = true
  void exited.then(() => (running = false))

  let stderr = ''
  const lastLines: string[] = []
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (chunk: string) => (stderr += chunk))
  const output = () => `stderr:\n${stderr}\nlast stdout lines:\n${lastLines.join('\n')}`

  // stdout is read for the whole life of the process: a pipe nobody drains would block its logger.
  const listening = new Promise<string>((resolve, reject) => {
    let partial = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n')
      partial = lines.pop()!
      for (const line of lines) {
        lastLines.push(line)
        if (lastLines.length > KEPT_LINES) lastLines.shift()
        if (!line.includes('gz-halo-relay is listening')) continue
        const { address } = JSON.parse(line) as { address?: string }
        if (address) resolve(address)
      }
    })
    void exited.then(({ code, signal }) =>
      reject(new Error(`the relay exited (${signal ?? code}) before listening\n${output()}`))
    )
  })

  const signal = (name: NodeJS.Signals) => {
    try {
      if (running) process.kill(-pid, name)
    } catch (error) {
      // Gone between its exit and the 'exit' event that tells us so.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
    }
  }
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the relay did not listen within ${timeoutMs} ms\n${output()}`)),
      timeoutMs
    )
  })
  try {
    const url = await Promise.race([listening, deadline])
    return { url, pid, exited, running: () => running, signal, output }
  } catch (error) {
    signal('SIGKILL')
    throw error
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Runs `src/main.ts` with `env` until it exits on its own (a start-up that must fail), killing it
 * after `timeoutMs`; `user` runs it as another user (the tests run as root, whom no file mode stops).
 */
export const runRelayToExit = async (
  env: Record<string, string>,
  { timeoutMs = 30_000, user }: { timeoutMs?: number; user?: { uid: number; gid: number } } = {}
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }> => {
  const started = Date.now()
  // As another user, without the test runner's process tracking (NODE_OPTIONS), which would try to
  // write its records into the repository as that user.
  const [command, args] = user
    ? ['/usr/bin/env', ['-u', 'NODE_OPTIONS', process.execPath, '--import', 'tsx', 'src/main.ts']]
    : [process.execPath, ['--import', 'tsx', 'src/main.ts']]
  const child = spawn(command, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? root, ...env },
    ...(user ? { uid: user.uid, gid: user.gid } : {})
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null]
  clearTimeout(timer)
  return { code, signal, stdout, stderr, ms: Date.now() - started }
}
