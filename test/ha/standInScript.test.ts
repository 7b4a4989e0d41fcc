import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { openEventStoreDbStore } from '../../src/store/eventstoredb/eventStoreDbStore.js'
import { fact } from '../support/storeFacts.js'

// `npm run esdb:standin -- --port N`: the stand-in as a process of its own, for running relays by
// hand (docs/deployment.md#several-instances).

const root = new URL('../../', import.meta.url).pathname

/** A port nothing listens on right now. */
const freePort = async (): Promise<number> => {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

t.test('the stand-in script listens on the port given, prints its connection string and serves appends', async (t) => {
  // Given a free port,
  const port = await freePort()
  // when the script is started on it,
  const child = spawn(process.execPath, ['--import', 'tsx', 'simulators/eventstoredb/cli.ts', '--port', String(port)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const exited = once(child, 'exit')
  t.teardown(async () => {
    if (child.exitCode === null) child.kill('SIGTERM')
    await exited
  })
  child.stdout.setEncoding('utf8')
  const [line] = (await once(child.stdout, 'data')) as [string]

  // then it prints the URL EVENT_STORE_URL takes, and the relay's adapter appends and reads there;
  t.equal(line.trim(), `esdb://127.0.0.1:${port}?tls=false`)
  const store = openEventStoreDbStore({ connectionString: line.trim() })
  await store.append('standin-check', [fact('Checked', { n: 1 })], { expectedRevision: 'no_stream' })
  t.match(await store.readStream('standin-check'), [{ type: 'Checked', data: { n: 1 } }])
  await store.close()

  // and SIGTERM stops it with exit code 0.
  child.kill('SIGTERM')
  const [code] = (await exited) as [number | null]
  t.equal(code, 0)
})
