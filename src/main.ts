import { parseArgs } from 'node:util'
import closeWithGrace from 'close-with-grace'
import { pino } from 'pino'
import { ConfigError, loadConfig, variablesUsage, type Config } from './config.js'
import { isStoreError } from './store/errors.js'

/**
 * Process entry: the command line (only --help), the configuration, then the composed relay, then
 * listen. On SIGTERM/SIGINT the HTTP server stops accepting, in-flight requests (and so their
 * appends) finish, the scheduler and the processor stop at a checkpoint, and the store is closed
 * last.
 */

const usage = `usage: npm start [-- --help]

Runs gz-halo-relay: the HTTP API and dashboard, the webhooks of both platforms, the scheduled
checks and billing, and the ticketing processor. It is configured by environment variables only (an
empty value counts as unset; README.md and docs/operations.md say more):

${variablesUsage()}

  -h, --help   print this text and exit`

try {
  const { values } = parseArgs({ options: { help: { type: 'boolean', short: 'h' } }, strict: true })
  if (values.help) {
    console.log(usage)
    process.exit(0)
  }
} catch (error) {
  console.error(`${(error as Error).message}\n${usage.split('\n')[0]}\n(--help for more)`)
  process.exit(2)
}

let config: Config
try {
  config = loadConfig()
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message)
    process.exit(1)
  }
  throw error
}

// Loaded once the configuration is known good: --help and a bad variable answer without it.
const { composeRelay } = await import('./compose.js')
const { redactPaths } = await import('./app.js')

const logger = pino({ level: config.LOG_LEVEL, redact: { paths: redactPaths, censor: '[redacted]' } })

/** A store that cannot be used stops the relay with one line naming it: no stack trace, no retrying forever. */
const startRelay = async () => {
  try {
    const composed = await composeRelay(config, { logger })
    await composed.start()
    return composed
  } catch (error) {
    if (isStoreError(error) && error.code === 'store_unusable') {
      console.error(`gz-halo-relay cannot start: ${error.message}`)
      process.exit(1)
    }
    throw error
  }
}

const relay = await startRelay()
const address = await relay.app.listen({ port: config.PORT, host: config.HOST })
logger.info({ address, store: relay.relay.store.kind }, 'gz-halo-relay is listening')

closeWithGrace({ delay: 15_000 }, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'shutting down after an error')
  else logger.info({ signal }, 'shutting down')
  await relay.close()
})
