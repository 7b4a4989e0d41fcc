import t from 'tap'
import { auth, testApp } from '../support/app.js'
import { startRemoteReader } from '../support/remoteReader.js'
import { fact, waitFor } from '../support/storeFacts.js'

/**
 * The live audit tail under a client that stops reading: the relay waits for it within a bound,
 * then disconnects it, while a client that reads gets everything; the disconnected client resumes
 * with Last-Event-ID and loses nothing. The clients are processes of their own, so a stalled one
 * really stops reading at its socket.
 */

const limits = { maxBufferBytes: 64 * 1024, stallMs: 500 }
const { app, relay, close } = await testApp({ live: limits })
t.teardown(close)
const base = await app.listen({ port: 0, host: '127.0.0.1' })
const connections = () =>
  new Promise<number>((resolve, reject) =>
    app.server.getConnections((error, n) => (error ? reject(error) : resolve(n)))
  )

t.test(
  'given a live client that stops reading while facts keep coming, when its backlog passes the bound, then it is disconnected, the others are not, and it resumes with Last-Event-ID losing nothing',
  async (t) => {
    const url = `${base}/api/audit/live?type=Filler`
    const stalled = startRemoteReader(url, auth(), { stallAfterBytes: 100_000 })
    const reading = startRemoteReader(url, auth(), 'read')
    t.equal(await stalled.started, 200)
    t.equal(await reading.started, 200)
    await waitFor(async () => (await connections()) === 2, { what: 'both clients connected' })

    // About 6 MB of facts, far more than the socket buffers and the bound together.
    const batches = 60
    const perBatch = 50
    for (let b = 0; b < batches; b++) {
      await relay.store.append(
        `filler-${b}`,
        Array.from({ length: perBatch }, (_, i) => fact('Filler', { b, i, text: 'x'.repeat(2_000) }))
      )
      await relay.store.append(`noise-${b}`, [fact('Noise')])
    }
    const total = batches * perBatch

    await waitFor(async () => (await connections()) === 1, { what: 'the stalled client to be disconnected' })
    await waitFor(() => reading.events() >= total, { what: 'the reading client to receive every fact' })
    const read = await reading.stop()
    t.equal(read.ids.length, total, 'the client that reads got every fact, once')

    const before = await stalled.stop()
    t.ok(
      before.ids.length > 0 && before.ids.length < total,
      `the stalled client had read ${before.ids.length} of ${total} facts`
    )
    const resumed = startRemoteReader(url, { ...auth(), 'last-event-id': before.lastEventId! }, 'read')
    t.equal(await resumed.started, 200)
    await waitFor(() => resumed.events() >= total - before.ids.length, { what: 'the resumed client to catch up' })
    const after = await resumed.stop()
    t.same([...before.ids, ...after.ids], read.ids, 'before and after the disconnection: every fact, once, in order')
  }
)
