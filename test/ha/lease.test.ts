import t, { type Test } from 'tap'
import { startEsdbStandIn } from '../support/esdbStandIn/index.js'
import { singleHost, startTcpProxy, through } from '../support/esdbStandIn/tcpProxy.js'
import { openEventStoreDbStore } from '../../src/store/eventstoredb/eventStoreDbStore.js'
import { storeLeadership, type Leadership } from '../../src/services/leadership.js'
import { NotLeader } from '../../src/services/leaderFence.js'
import { streams } from '../../src/domain/streams.js'
import { waitFor } from '../support/storeFacts.js'

// The lease on the leader's work, between two instances on one EventStoreDB stand-in (real gRPC),
// one of them behind a proxy that can cut it off from the store. Short settings: renewals every
// 100 ms, a lease of 1 s.

const RENEW_MS = 100
const TTL_MS = 1_000

type LeaseRecord = { instance: string; event: 'lead' | 'follow'; term: number; at: number }

const setUp = async (t: Test) => {
  const standIn = await startEsdbStandIn()
  const proxy = await startTcpProxy(singleHost(standIn.url)!)
  const records: LeaseRecord[] = []
  const open = (url: string) => openEventStoreDbStore({ connectionString: url, pingTimeoutMs: 500 })
  const stores = { a: open(through(standIn.url, proxy.port)), b: open(standIn.url) }
  const leadership = (id: 'a' | 'b'): Leadership =>
    storeLeadership({ store: stores[id], instanceId: id, renewMs: RENEW_MS, ttlMs: TTL_MS })
  const work = (instance: string) => ({
    lead: (term: number) => void records.push({ instance, event: 'lead', term, at: performance.now() }),
    follow: (term: number) => void records.push({ instance, event: 'follow', term, at: performance.now() })
  })
  t.teardown(async () => {
    proxy.restore()
    await Promise.all([stores.a.close(), stores.b.close()])
    await proxy.stop()
    await standIn.stop()
  })
  return { standIn, proxy, stores, records, leadership, work }
}

/** Who leads, by the records: a lead not followed by a follow of the same term. */
const leaders = (records: LeaseRecord[]) =>
  records
    .filter((r) => r.event === 'lead')
    .filter(
      (lead) => !records.some((r) => r.event === 'follow' && r.instance === lead.instance && r.term === lead.term)
    )
    .map((r) => r.instance)

t.test('of two instances exactly one leads, and the lease facts name it with term 1', async (t) => {
  const { stores, records, leadership, work } = await setUp(t)
  // Given two instances starting on an empty store,
  const a = leadership('a')
  const b = leadership('b')
  await a.start(work('a'))
  await b.start(work('b'))
  t.teardown(() => Promise.all([a.stop(), b.stop()]))

  // when several renewals have gone by,
  await new Promise((resolve) => setTimeout(resolve, 5 * RENEW_MS))

  // then the first leads with term 1, the other follows and knows the term, and the stream says so.
  t.same(leaders(records), ['a'])
  t.match(a.view(), { id: 'a', role: 'leader', term: 1 })
  t.match(b.view(), { id: 'b', role: 'follower', term: 1 })
  const facts = await stores.b.readStream(streams.leadership())
  t.equal(facts[0]?.type, 'LeaseAcquired')
  t.match(facts[0]?.data, { instanceId: 'a', term: 1 })
  t.ok(facts.length >= 3, 'renewed')
  t.ok(
    facts.slice(1).every((f) => f.type === 'LeaseRenewed'),
    'renewals only'
  )
  await t.resolves(a.verify(1))
  await t.rejects(b.verify(1), NotLeader)
})

t.test('a leader cut off from the store stops its work before the other takes over, then follows', async (t) => {
  const { proxy, records, leadership, work } = await setUp(t)
  // Given instance a leading and b following,
  const a = leadership('a')
  const b = leadership('b')
  await a.start(work('a'))
  await b.start(work('b'))
  t.teardown(() => Promise.all([a.stop(), b.stop()]))
  await waitFor(() => a.view().role === 'leader', { timeoutMs: 5_000 })

  // when a is cut off from the store,
  const cutAt = performance.now()
  proxy.cut()

  // then a stops its work first, and b leads with term 2 only after that, within the lease and a bit;
  await waitFor(() => b.view().role === 'leader', { timeoutMs: 5 * TTL_MS })
  const stopped = records.find((r) => r.instance === 'a' && r.event === 'follow')
  const took = records.find((r) => r.instance === 'b' && r.event === 'lead')
  t.ok(stopped && took, JSON.stringify(records))
  t.ok(stopped!.at < took!.at, `a stopped ${Math.round(took!.at - stopped!.at)} ms before b took over`)
  t.ok(stopped!.at - cutAt < TTL_MS, 'a stopped within its lease')
  t.equal(took!.term, 2)
  await t.rejects(a.verify(1), NotLeader, 'work of term 1 can no longer append')

  // and once a reaches the store again, it follows b's term.
  proxy.restore()
  await waitFor(() => a.view().term === 2, { timeoutMs: 5_000 })
  t.match(a.view(), { role: 'follower', term: 2 })
  t.same(leaders(records), ['b'])
})

t.test('a leader that stops gives the lease up and the other leads at once', async (t) => {
  const { records, leadership, work } = await setUp(t)
  const a = leadership('a')
  const b = leadership('b')
  await a.start(work('a'))
  await b.start(work('b'))
  t.teardown(() => b.stop())

  // Given a leading, when it stops cleanly,
  const stoppedAt = performance.now()
  await a.stop()

  // then b leads well before a lease would have run out, with the next term.
  await waitFor(() => b.view().role === 'leader', { timeoutMs: TTL_MS })
  t.ok(performance.now() - stoppedAt < TTL_MS)
  t.match(b.view(), { role: 'leader', term: 2 })
  t.same(leaders(records), ['b'])
})
