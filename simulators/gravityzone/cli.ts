import { closeOnSignals, readCommandLine } from '../kit/cli.js'

/**
 * `npm run sim:gravityzone -- --port N --api-key KEY [--seed demo]`: starts the simulator on
 * 127.0.0.1 and prints one line, the Access URL (what GZ_API_URL takes). Stops on SIGINT/SIGTERM.
 */

const synopsis =
  'usage: sim:gravityzone --port N --api-key KEY [--seed demo|empty] [--misspelt-a-la-carte] [--no-rate-limits]'
const usage = `${synopsis}

Starts the GravityZone simulator (JSON-RPC API and push) on 127.0.0.1 and prints one line, its
Access URL (what GZ_API_URL takes). Ctrl-C or SIGTERM stops it.

  --port N                 port to listen on (default 0: any free port)
  --api-key KEY            the API key it accepts (default: GZ_API_KEY; one of the two is required)
  --seed demo|empty        start with the demo MSP's companies, or with none (default empty)
  --misspelt-a-la-carte    spell a usage field aLaCarteMonhtlyUsage, as some API docs do
  --no-rate-limits         answer every call (by default the published per-key limits answer 429)
  -h, --help               this text`

const main = async () => {
  const values = readCommandLine(usage, {
    port: { type: 'string', default: '0' },
    'api-key': { type: 'string' },
    seed: { type: 'string', default: 'empty' },
    'misspelt-a-la-carte': { type: 'boolean', default: false },
    'no-rate-limits': { type: 'boolean', default: false }
  })
  const port = Number(values.port)
  const apiKey = values['api-key'] ?? process.env.GZ_API_KEY
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535 (${synopsis})`)
  if (!apiKey) throw new Error(`--api-key is required (${synopsis})`)
  if (values.seed !== 'demo' && values.seed !== 'empty') throw new Error(`--seed must be demo or empty (${synopsis})`)

  // Loaded once the arguments are read, so that --help and a mistyped option answer at once.
  const { startGravityZoneSimulator } = await import('./server.js')
  const sim = await startGravityZoneSimulator({
    port,
    apiKey,
    seed: values.seed,
    misspeltALaCarte: values['misspelt-a-la-carte'],
    ...(values['no-rate-limits'] ? { limits: { enabled: false } } : {})
  })
  console.log(sim.url)

  closeOnSignals(() => sim.close())
}

main().catch((error: unknown) => {
  console.error(`sim:gravityzone: ${(error as Error).message}`)
  process.exit(1)
})
