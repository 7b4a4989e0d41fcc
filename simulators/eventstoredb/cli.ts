import { closeOnSignals, readCommandLine } from '../kit/cli.js'

/**
 * `npm run esdb:standin -- [--port N]`: the EventStoreDB stand-in the tests use, as a process of its
 * own, so that several relays can be run by hand against one store (docs/deployment.md). Prints one
 * line, the connection string (what EVENT_STORE_URL takes), and runs until SIGINT/SIGTERM. Its log
 * is in memory: it starts empty each time.
 */

const synopsis = 'usage: esdb:standin [--port N]'
const usage = `${synopsis}

Starts the EventStoreDB stand-in (a gRPC server speaking the client's own protocol, from an
in-memory log) on 127.0.0.1 and prints one line, its connection string, for EVENT_STORE_URL.
Ctrl-C or SIGTERM stops it; what it holds is lost then.

  --port N     port to listen on (default 0: any free port)
  -h, --help   this text`

const main = async () => {
  const values = readCommandLine(usage, { port: { type: 'string', default: '0' } })
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(synopsis)
    process.exit(2)
  }
  // Loaded once the arguments are read, so that --help and a mistyped option answer at once.
  const { startEsdbStandIn } = await import('./index.js')
  const standIn = await startEsdbStandIn({ port })
  console.log(standIn.url)
  closeOnSignals(() => standIn.stop())
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
