import t from 'tap'
import { openEventStoreDbStore } from '../../src/store/eventstoredb/eventStoreDbStore.js'
import { openEventStore } from '../../src/store/index.js'
import { startEsdbStandIn } from '../support/esdbStandIn/index.js'
import { singleHost, startTcpProxy, through } from '../support/esdbStandIn/tcpProxy.js'
import { realEventStoreDb, skipUnless } from '../support/requirements.js'
import { fact, uniquePrefix } from '../support/storeFacts.js'
import { storeConformance } from './conformance.js'

const fastResubscribe = { minMs: 10, maxMs: 200 }

t.test('EventStoreDB adapter over real gRPC against the stand-in server', async (t) => {
  storeConformance(t, async () => {
    const standIn = await startEsdbStandIn()
    const store = openEventStoreDbStore({ connectionString: standIn.url, resubscribe: fastResubscribe })
    return { store, dropConnections: () => standIn.dropConnections(), cleanup: () => standIn.stop() }
  })
})

const realServer = process.env.TEST_EVENTSTOREDB_URL
t.test(
  'EventStoreDB adapter against a real server (TEST_EVENTSTOREDB_URL)',
  {
    skip: skipUnless(!!realServer, realEventStoreDb)
  },
  async (t) => {
    const target = singleHost(realServer!)
    storeConformance(t, async () => {
      // A proxy in between lets the suite cut the connection to a server it cannot restart.
      if (!target)
        return { store: openEventStoreDbStore({ connectionString: realServer!, resubscribe: fastResubscribe }) }
      const proxy = await startTcpProxy(target)
      const store = openEventStoreDbStore({
        connectionString: through(realServer!, proxy.port),
        resubscribe: fastResubscribe
      })
      return { store, dropConnections: () => proxy.dropConnections(), cleanup: () => proxy.stop() }
    })
  }
)

t.test(
  'given an esdb:// EVENT_STORE_URL, when the store is opened, then the EventStoreDB adapter serves it',
  async (t) => {
    const standIn = await startEsdbStandIn()
    t.teardown(() => standIn.stop())
    const store = await openEventStore(`esdb://127.0.0.1:${standIn.port}?tls=false`)
    t.teardown(() => store.close())
    t.equal(store.kind, 'eventstoredb')
    const p = uniquePrefix()
    const { position } = await store.append(`${p}1`, [fact('Opened')], { expectedRevision: 'no_stream' })
    const written = standIn.log.stream(`${p}1`)
    t.equal(written?.length, 1, 'the fact reached the server')
    t.equal(written![0]!.position, position)
  }
)
