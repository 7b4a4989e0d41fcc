import closeWithGrace from 'close-with-grace'
import { pino } from 'pino'
import { ConfigError, loadConfig, type Config } from './config.js'
import { composeRelay } from './compose.js'
import { redactPaths } from './app.js'
import { isStoreError } from './store/errors.js'

/**
 * Process entry: configuration, then the composed relay, then listen. On SIGTERM/SIGINT the HTTP
 * server stops accepting, in-flight requests (and so their appends) finish, the scheduler and the
 * processor stop at a checkpoint, and the store is closed last.
 */

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

const logger = pino({
  level: config.LOG_LEVEL,
  redact: { paths: redactPaths, censor: '[redacted]' },
  ...(process.stdout.isTTY ? {} : {})
})

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
