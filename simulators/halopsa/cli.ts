import { parseArgs } from 'node:util'
import { startHaloPsaSimulator } from './server.js'

/**
 * `npm run sim:halopsa -- --port N --client-id ID --client-secret SECRET [--seed demo] [--tenant T]`
 * Prints one line, the instance URL (what HALO_URL takes), and runs until SIGINT/SIGTERM.
 */

const usage =
  'usage: sim:halopsa --port N --client-id ID --client-secret SECRET [--seed demo|none] [--tenant NAME] [--rate-limit N/SECONDS] [--retry-after]'

const main = async () => {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'client-id': { type: 'string' },
      'client-secret': { type: 'string' },
      seed: { type: 'string', default: 'none' },
      tenant: { type: 'string' },
      'rate-limit': { type: 'string' },
      'retry-after': { type: 'boolean', default: false }
    },
    strict: true
  })
  const port = Number(values.port)
  const seed = values.seed
  const rate = values['rate-limit'] ? /^(\d+)\/(\d+)$/.exec(values['rate-limit']) : undefined
  if (
    !values['client-id'] ||
    !values['client-secret'] ||
    !Number.isInteger(port) ||
    port < 0 ||
    port > 65535 ||
    (seed !== 'demo' && seed !== 'none') ||
    rate === null
  ) {
    console.error(usage)
    process.exit(2)
  }
  const sim = await startHaloPsaSimulator({
    port,
    clientId: values['client-id'],
    clientSecret: values['client-secret'],
    seed,
    ...(values.tenant ? { tenant: values.tenant } : {}),
    rateLimit: {
      retryAfter: values['retry-after'],
      ...(rate ? { limit: Number(rate[1]), windowMs: Number(rate[2]) * 1000 } : {})
    }
  })
  console.log(sim.url)
  let stopping = false
  const stop = () => {
    if (stopping) return
    stopping = true
    sim.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      }
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
