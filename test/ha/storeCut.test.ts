import t from 'tap'
import { streams } from '../../src/domain/streams.js'
import { waitFor } from '../support/storeFacts.js'
import { LEASE, pollCallsInterleave, startCluster } from '../support/haCluster.js'

// A leader cut off from the store (its TCP proxy drops every connection and refuses new ones,
// as a network partition would) stops its leader work before its lease ends, and the other relay
// takes over only then: no moment with two leaders, no fact of the old term after the new one.

/** The time (epoch ms) of the first log line saying `message` in a relay's output. */
const logTime = (output: string, message: string): number => {
  const line = output.split('\n').find((l) => l.includes(`"msg":"${message}"`))
  const time = (JSON.parse(line ?? '{}') as { time?: number }).time
  if (time === undefined) throw new Error(`no log line "${message}":\n${output}`)
  return time
}

t.test(
  'a leader cut off from the store stops leading before its lease ends and the other takes over without overlap',
  async (t) => {
    const cluster = await startCluster(t)
    // Given two relays, a leading,
    await cluster.seed()
    const a = await cluster.startRelay('relay-a')
    const b = await cluster.startRelay('relay-b')
    await waitFor(async () => (await cluster.status(a.url)).role === 'leader', { timeoutMs: 10_000, what: 'a leads' })
    const before = await cluster.status(a.url)
    const pushed = await cluster.push(b.url, 2)
    await waitFor(() => cluster.tickets().length === pushed.length, { timeoutMs: 15_000, what: 'the first tickets' })

    // when a is cut off from the store (its HTTP side still answers),
    const cutAt = Date.now()
    a.storeProxy.cut()

    // then a says it follows before its lease runs out, and b leads only after that;
    const roles: { at: number; a: boolean; b: boolean }[] = []
    await waitFor(
      async () => {
        const [aLeads, bLeads] = await Promise.all([cluster.leads(a.url), cluster.leads(b.url)])
        roles.push({ at: performance.now(), a: aLeads, b: bLeads })
        return bLeads
      },
      { timeoutMs: 15_000, intervalMs: 20, what: 'b leads' }
    )
    // (when each did it, by the time in its own log line: the same machine's clock as cutAt),
    const aStopped = logTime(a.process.output(), 'this instance stopped leading')
    const bLed = logTime(b.process.output(), 'this instance leads now')
    t.ok(aStopped - cutAt < LEASE.ttlMs, `a stopped ${aStopped - cutAt} ms after the cut`)
    t.ok(aStopped < bLed, `a stopped ${bLed - aStopped} ms before b led`)
    t.same(
      roles.filter((r) => r.a && r.b),
      [],
      'never two leaders'
    )

    // and events pushed meanwhile, to b, still become one ticket each,
    pushed.push(...(await cluster.push(b.url, 2)))
    // and once a reaches the store again it follows b's term.
    a.storeProxy.restore()
    await waitFor(async () => (await cluster.status(a.url)).term === before.term + 1, {
      timeoutMs: 10_000,
      what: 'a sees term 2'
    })
    t.match(await cluster.status(a.url), { role: 'follower', term: before.term + 1 })
    t.match(await cluster.status(b.url), { role: 'leader', term: before.term + 1 })
    pushed.push(...(await cluster.push(a.url, 1)))
    await waitFor(() => cluster.tickets().length >= pushed.length, { timeoutMs: 15_000, what: 'every ticket' })
    const summaries = cluster.tickets().map((ticket) => ticket.summary)
    for (const name of pushed) t.equal(summaries.filter((s) => s.includes(name)).length, 1, `one ticket for ${name}`)
    t.equal(summaries.length, pushed.length, 'no other ticket')

    // No fact of the leader's work of term 1 was appended after term 2 began (fencing by term),
    const lease = await cluster.facts(streams.leadership())
    const second = lease.find(
      (f) => f.type === 'LeaseAcquired' && (f.data as { term: number }).term === before.term + 1
    )!
    const all = await cluster.readAll()
    const late = all.filter(
      (f) => f.position > second.position && (f.metadata as { leaderTerm?: number }).leaderTerm === before.term
    )
    t.same(
      late.map((f) => `${f.type} in ${f.stream}`),
      [],
      'nothing of term 1 after term 2 began'
    )
    t.ok(
      all.some((f) => (f.metadata as { leaderTerm?: number }).leaderTerm === before.term + 1),
      'the work of term 2 appends, stamped with it'
    )
    // and no poll ran on both relays at once.
    t.same(pollCallsInterleave(cluster.gzCalls), [])
  }
)
