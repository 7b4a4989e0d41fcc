import { parseArgs } from 'node:util'
import { startGravityZoneSimulator } from './server.js'

/**
 * `npm run sim:gravityzone -- --port N --api-key KEY [--seed demo]`: starts the simulator on
 * 127.0.0.1 and prints one line, the Access URL (what GZ_API_URL takes). Stops on SIGINT/SIGTERM.
 */

const usage =
  'usage: sim:gravityzone --port N --api-key KEY [--seed demo|empty] [--misspelt-a-la-carte] [--no-rate-limits]'

const main = async () => {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      'api-key': { type: 'string' },
      seed: { type: 'string', default: 'empty' },
      'misspelt-a-la-carte': { type: 'boolean', default: false },
      'no-rate-limits': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false }
    },
    strict: true
  })
  if (values.help) {
    console.log(usage)
    return
  }
  const port = Number(values.port)
  const apiKey = values['api-key'] ?? process.env.GZ_API_KEY
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535 (${usage})`)
  if (!apiKey) throw new Error(`--api-key is required (${usage})`)
  if (values.seed !== 'demo' && values.seed !== 'empty') throw new Error(`--seed must be demo or empty (${usage})`)

  const sim = await startGravityZoneSimulator({
    port,
    apiKey,
    seed: values.seed,
    misspeltALaCarte: values['misspelt-a-la-carte'],
    ...(values['no-rate-limits'] ? { limits: { enabled: false } } : {})
  })
  console.log(sim.url)

  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    await sim.close()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop())
  process.on('SIGTERM', () => void stop())
}

main().catch((error: unknown) => {
  console.error(`sim:gravityzone: ${(error as Error).message}`)
  process.exit(1)
})
