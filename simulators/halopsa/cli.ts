import { closeOnSignals, readCommandLine } from '../kit/cli.js'

/**
 * `npm run sim:halopsa -- --port N --client-id ID --client-secret SECRET [--seed demo] [--tenant T]`
 * Prints one line, the instance URL (what HALO_URL takes), and runs until SIGINT/SIGTERM.
 */

const synopsis =
  'usage: sim:halopsa --port N --client-id ID --client-secret SECRET [--seed demo|none] [--tenant NAME] [--rate-limit N/SECONDS] [--retry-after]'
const usage = `${synopsis}

Starts the HaloPSA simulator (/auth/token and /api) on 127.0.0.1 and prints one line, its instance
URL (what HALO_URL takes). Ctrl-C or SIGTERM stops it.

  --port N                 port to listen on (default 0: any free port)
  --client-id ID           the client_credentials application's id (required)
  --client-secret SECRET   its secret (required)
  --seed demo|none         start with the demo MSP's clients, items and invoices, or empty (default none)
  --tenant NAME            a hosted instance: /auth/token then requires ?tenant=NAME
  --rate-limit N/SECONDS   at most N requests per SECONDS, then 429 (default 300/300)
  --retry-after            send Retry-After with each 429 (off by default: unconfirmed on HaloPSA)
  -h, --help               this text`

const main = async () => {
  const values = readCommandLine(usage, {
    port: { type: 'string', default: '0' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    seed: { type: 'string', default: 'none' },
    tenant: { type: 'string' },
    'rate-limit': { type: 'string' },
    'retry-after': { type: 'boolean', default: false }
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
    console.error(synopsis)
    process.exit(2)
  }
  // Loaded once the arguments are read, so that --help and a mistyped option answer at once.
  const { startHaloPsaSimulator } = await import('./server.js')
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
  closeOnSignals(() => sim.close())
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
