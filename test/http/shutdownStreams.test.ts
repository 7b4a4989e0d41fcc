import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { auth, tokens } from '../support/app.js'
import { fillBigStore } from '../support/bigStore.js'
import { relayEnvironment, startRelayProcess } from '../support/relayProcess.js'
import { startRemoteReader } from '../support/remoteReader.js'

/**
 * SIGTERM while slow readers hold long responses: the relay cuts its streams when shutdown begins
 * and exits promptly, well before the forced exit 15 s later. An export cut short ends without
 * its final chunk, so a client never takes it for a complete one.
 */

t.test(
  'given a slow NDJSON export and a stalled live client, when the relay gets SIGTERM, then it exits promptly and the export is seen as cut',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-shutdown-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const path = join(dir, 'relay.db')
    await fillBigStore(path, 50_000)
    const relay = await startRelayProcess(relayEnvironment(`sqlite:${path}`))
    t.teardown(() => relay.signal('SIGKILL'))
    const headers = auth(tokens.reader)

    const exporting = startRemoteReader(
      `${relay.url}/api/audit`,
      { ...headers, accept: 'application/x-ndjson' },
      { bytesPerSecond: 200_000 }
    )
    const live = startRemoteReader(`${relay.url}/api/audit/live`, { ...headers, 'last-event-id': '0' }, 'stall')
    t.equal(await exporting.started, 200)
    t.equal(await live.started, 200)

    const signalled = Date.now()
    relay.signal('SIGTERM')
    const exit = await relay.exited
    const took = Date.now() - signalled
    if (exit.code !== 0) t.comment(relay.output())
    t.equal(exit.code, 0, 'a clean exit')
    t.ok(took < 5_000, `exited ${took} ms after SIGTERM (the forced exit comes at 15 s)`)

    const cut = await exporting.ended
    t.notOk(cut.complete, 'the export did not end as if complete')
    t.ok(cut.bytes > 0 && cut.lines < 50_000, `the slow reader had ${cut.lines} of 50,000 lines`)
    await live.stop()
  }
)
