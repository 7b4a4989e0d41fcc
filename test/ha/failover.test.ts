import t from 'tap'
import { streams } from '../../src/domain/streams.js'
import { waitFor } from '../support/storeFacts.js'
import { LEASE, POLL_METHOD, acme, pollCallsInterleave, startCluster } from '../support/haCluster.js'

// Two relay processes on one EventStoreDB (the stand-in), both simulators in this process: one
// leads, the leader is SIGKILLed, the other leads within 15 s, and the work that must happen once
// (tickets, the month's billing, polls) happened once.

t.test(
  'when the leader is SIGKILLed the other relay leads within 15 s, and every security event becomes exactly one ticket',
  async (t) => {
    const cluster = await startCluster(t)
    // Given acme mapped with billing and ticketing on, and two relays on the store, a first,
    await cluster.seed()
    const a = await cluster.startRelay('relay-a')
    const b = await cluster.startRelay('relay-b')

    // then exactly one of them leads, and the other knows its term.
    await waitFor(async () => (await cluster.status(a.url)).role === 'leader', {
      timeoutMs: 10_000,
      what: 'a leads'
    })
    const [aSays, bSays] = [await cluster.status(a.url), await cluster.status(b.url)]
    t.match(aSays, { id: 'relay-a', role: 'leader' })
    t.match(bSays, { id: 'relay-b', role: 'follower', term: aSays.term })
    // and only the leader runs a poll asked for through the API.
    t.same(await cluster.requestSync(b.url), { status: 503, code: 'not_leader' }, 'the follower refuses')

    // When security events are pushed to either relay,
    const pushed: string[] = []
    pushed.push(...(await cluster.push(a.url, 2)), ...(await cluster.push(b.url, 2)))
    await waitFor(() => cluster.tickets().length === pushed.length, { timeoutMs: 15_000, what: 'the first tickets' })
    // and more just before the leader dies, whose tickets it may be creating as it dies,
    pushed.push(...(await cluster.push(a.url, 2)), ...(await cluster.push(b.url, 1)))
    const killedAt = performance.now()
    a.process.signal('SIGKILL')
    await a.process.exited
    // and during the failover, to the one left,
    pushed.push(...(await cluster.push(b.url, 2)))

    // then the other relay leads within 15 s, with the next term;
    await waitFor(async () => (await cluster.status(b.url)).role === 'leader', {
      timeoutMs: 15_000,
      intervalMs: 50,
      what: 'b leads'
    })
    const failoverMs = performance.now() - killedAt
    t.ok(failoverMs < 15_000, `b led ${Math.round(failoverMs)} ms after the kill`)
    // b times the lease from the last renewal it saw, sent at most a renewal (and its round trip)
    // before the kill.
    t.ok(failoverMs >= LEASE.ttlMs - 2 * LEASE.renewMs, 'not before the lease ran out')
    t.match(await cluster.status(b.url), { role: 'leader', term: aSays.term + 1 })

    // and events pushed after the failover, to it and to a relay started anew, become tickets too,
    const a2 = await cluster.startRelay('relay-a2')
    t.match(await cluster.status(a2.url), { role: 'follower' })
    pushed.push(...(await cluster.push(b.url, 1)), ...(await cluster.push(a2.url, 2)))

    // each exactly once (HaloPSA's tickets, by the threat in their summary),
    await waitFor(() => cluster.tickets().length >= pushed.length, { timeoutMs: 20_000, what: 'every ticket' })
    await waitFor(async () => (await cluster.factsOfType('TicketCreated')).length >= pushed.length, {
      timeoutMs: 10_000,
      what: 'every TicketCreated'
    })
    const summaries = cluster.tickets().map((ticket) => ticket.summary)
    for (const name of pushed) t.equal(summaries.filter((s) => s.includes(name)).length, 1, `one ticket for ${name}`)
    t.equal(summaries.length, pushed.length, 'no other ticket')
    t.equal((await cluster.factsOfType('TicketCreated')).length, pushed.length, 'one TicketCreated each')

    // the month's billing ran once, by the first leader, and not again after the failover,
    const month = new Date()
    month.setUTCDate(0)
    const billed = `${String(month.getUTCMonth() + 1).padStart(2, '0')}/${month.getUTCFullYear()}`
    const runs = await cluster.facts(streams.billingRun(billed))
    t.equal(runs.filter((f) => f.type === 'BillingRunCompleted').length, 1, `one billing run for ${billed}`)
    t.match(runs[0]?.data, { month: billed, mappings: 1 })
    const usageBilled = (await cluster.factsOfType('UsageBilled')).filter(
      (f) => (f.data as { month: string }).month === billed
    )
    t.equal(usageBilled.length, 1, `acme (${acme.name}) billed once for ${billed}`)

    // no poll ran on both relays at once (their GravityZone calls),
    t.ok(
      cluster.gzCalls.some((c) => c.method === POLL_METHOD),
      'the relays polled'
    )
    t.same(pollCallsInterleave(cluster.gzCalls), [])

    // and the lease's facts tell the change of leader, term by term.
    const lease = await cluster.facts(streams.leadership())
    const acquired = lease.filter((f) => f.type === 'LeaseAcquired').map((f) => f.data)
    t.match(acquired.at(-2), { instanceId: 'relay-a', term: aSays.term })
    t.match(acquired.at(-1), { instanceId: 'relay-b', term: aSays.term + 1, previousInstanceId: 'relay-a' })
  }
)
