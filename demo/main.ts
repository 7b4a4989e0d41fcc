import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { z } from 'zod'
import { redactPaths } from '../src/app.js'
import { readCommandLine } from '../simulators/kit/cli.js'
import { runScenario } from './scenario.js'
import { startStack, type Stack } from './stack.js'

/**
 * `npm run demo` (docs/demo.md): both simulators with the demo MSP, the relay against them on a
 * fresh SQLite store, and the scripted scenario. The store lives in a temporary folder removed at
 * exit: the simulators start from their seed on every run, so yesterday's facts would describe
 * platforms that no longer exist. The relay logs to stderr (LOG_LEVEL, default warn), the story to
 * stdout. Ctrl-C (SIGINT) or SIGTERM stops the scenario and closes everything; a second one exits
 * at once.
 */

readCommandLine(
  `usage: npm run demo

Starts both simulators with the demo MSP, the relay against them on a fresh SQLite store (removed
at exit) and a scripted scenario that raises every kind of integration event; prints the dashboard
address and an API token. Ctrl-C stops everything.

Environment:
  PORT        the relay's port (default 3000; 0: any free port)
  HOST        the address the relay listens on (default 127.0.0.1)
  LOG_LEVEL   the relay's log level, on stderr: fatal, error, warn, info, debug, trace or silent
              (default warn)
  DEMO_PACE   normal or fast: fast shortens the scenario's pauses (default normal)`,
  {}
)

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
  /** `fast` shortens the scenario's pauses (the tests use it). */
  DEMO_PACE: z.enum(['normal', 'fast']).default('normal')
})

const parsed = Env.safeParse(Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== '')))
if (!parsed.success) {
  const issue = parsed.error.issues[0]!
  console.error(`demo: ${String(issue.path[0])}: ${issue.message}`)
  process.exit(1)
}
const env = parsed.data

const logger = pino(
  { level: env.LOG_LEVEL, redact: { paths: redactPaths, censor: '[redacted]' } },
  pino.destination({ dest: 2, sync: true })
)
const say = (line: string) => process.stdout.write(`${line}\n`)
const complain = (line: string) => process.stderr.write(`demo: ${line}\n`)

const folder = await mkdtemp(join(tmpdir(), 'gz-halo-relay-demo-'))
const eventStoreUrl = `sqlite:${join(folder, 'events.db')}`

let stack: Stack
try {
  // The scheduler runs as in production; the scenario triggers its own polls, and a 5-minute poll
  // leaves the events it raised on the dashboard until someone acts (the scenario's hints say so).
  stack = await startStack({
    seed: 'demo',
    port: env.PORT,
    ...(env.HOST ? { host: env.HOST } : {}),
    eventStoreUrl,
    schedule: true,
    pollInterval: '5m',
    logger
  })
} catch (error) {
  await rm(folder, { recursive: true, force: true })
  const code = (error as { code?: string }).code
  complain(
    code === 'EADDRINUSE'
      ? `port ${env.PORT} is in use; set PORT to another one (PORT=0 picks a free port)`
      : `could not start: ${(error as Error).message}`
  )
  process.exit(1)
}

const port = new URL(stack.url).port
const local =
  !env.HOST || env.HOST === '0.0.0.0' || env.HOST === '::' || env.HOST === '127.0.0.1' || env.HOST === 'localhost'
say(
  [
    '',
    'gz-halo-relay demo',
    `  Dashboard     http://${local ? 'localhost' : env.HOST}:${port}/`,
    `  API token     ${stack.token}   (operate scope: paste it into the dashboard)`,
    `  Relay API     ${stack.url}/api   (docs at ${stack.url}/docs)`,
    `  GravityZone   ${stack.gravityzone.url}   (simulator)`,
    `  HaloPSA       ${stack.halopsa.url}   (simulator)`,
    `  Event store   ${eventStoreUrl}   (fresh for this run, removed at exit)`,
    'Ctrl-C stops everything.',
    ''
  ].join('\n')
)

const stopScenario = new AbortController()
const scenario = runScenario(stack, {
  log: say,
  warn: complain,
  signal: stopScenario.signal,
  pace: env.DEMO_PACE
}).catch((error: unknown) => {
  complain(`the scenario stopped: ${(error as Error).message}; the relay and the simulators keep running`)
})

let stopping = false
const stop = async (signal: NodeJS.Signals) => {
  if (stopping) {
    complain(`${signal} again: exiting without waiting`)
    process.exit(130)
  }
  stopping = true
  say(`\n${signal}: stopping the scenario, the relay and the simulators…`)
  stopScenario.abort()
  try {
    await scenario
    await stack.close()
    await rm(folder, { recursive: true, force: true })
  } catch (error) {
    complain(`could not shut down cleanly: ${(error as Error).message}`)
    process.exit(1)
  }
  say('Stopped.')
  process.exit(0)
}
process.on('SIGINT', (signal) => void stop(signal))
process.on('SIGTERM', (signal) => void stop(signal))
