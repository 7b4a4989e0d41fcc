import t from 'tap'
import { customers, e2e, type E2E } from '../support/e2e.js'
import { waitFor } from '../support/storeFacts.js'
import { securityEventsProjection } from '../../projections/securityEvents.js'

/**
 * What became of each security event, end to end: skipped while its company was unmapped, replayed
 * once a mapping exists (a dry run counts it first, a second replay does nothing), pending through a
 * HaloPSA outage then ticketed, and tickets on the catch-all client for unmapped companies.
 */

const [acme, birch] = customers as [(typeof customers)[number], (typeof customers)[number]]
const config = { ticketTypeId: 3, priorityId: 2, closedStatusName: 'Closed', autoCloseBlocked: false, modules: ['av'] }

const tickets = (s: E2E) => [...s.halopsa.state.data().tickets.rows.values()] as Record<string, unknown>[]
const list = async (s: E2E, query = '') => (await s.api('GET', `/api/security-events${query}`)).body.items

t.test(
  'an unmapped company event is skipped; after a mapping, a replay tickets it once and a second does nothing',
  async (t) => {
    const s = await e2e(t)
    t.equal((await s.api('PUT', '/api/config/ticketing', config)).status, 200)
    // Given a security event for a company no mapping covers
    await s.gravityzone.push.send([{ event: s.gravityzone.generate('av', acme.companyId) }])
    await s.settle()
    const [skipped] = await list(s)
    t.match(skipped, {
      outcome: 'skipped',
      reason: 'unmapped',
      companyId: acme.companyId,
      module: 'av',
      replayable: true
    })
    t.equal(tickets(s).length, 0)

    // When the mapping is created and a bulk replay is asked for as a dry run
    await s.map(acme, { ticketing: true })
    const dry = await s.api('POST', '/api/security-events/replay', {
      outcome: 'skipped',
      company: acme.companyId,
      dryRun: true
    })
    // Then it counts the event and writes nothing
    t.equal(dry.status, 200)
    t.match(dry.body, { dryRun: true, matched: 1, replayed: 0, sample: [{ key: skipped.key }] })
    await s.settle()
    t.equal(tickets(s).length, 0, 'a dry run tickets nothing')
    t.equal((await s.api('GET', '/api/audit?type=SecurityEventReplayRequested')).body.items.length, 0)

    // When the replay is asked for
    const run = await s.api('POST', '/api/security-events/replay', { company: acme.companyId, dryRun: false })
    t.equal(run.status, 202)
    t.match(run.body, { dryRun: false, matched: 1, replayed: 1 })
    await s.settle()
    // Then the event is ticketed once, and the replay is a fact with its actor
    t.equal(tickets(s).length, 1)
    t.match(tickets(s)[0], { client_id: acme.clientId })
    const [ticketed] = await list(s, `?outcome=ticketed`)
    t.match(ticketed, {
      key: skipped.key,
      outcome: 'ticketed',
      ticketId: tickets(s)[0]!.id,
      replays: 1,
      replayable: false
    })
    t.match((await s.api('GET', '/api/audit?type=SecurityEventReplayRequested')).body.items, [
      {
        data: { eventKey: skipped.key, actor: 'operator', previousOutcome: 'skipped' },
        metadata: { actor: 'operator' }
      }
    ])
    const detail = (await s.api('GET', `/api/security-events/${skipped.key}`)).body
    t.same(
      detail.facts.map((f: { type: string }) => f.type),
      [
        'SecurityEventReceived',
        'TicketingSkipped',
        'SecurityEventReplayRequested',
        'TicketCreationStarted',
        'TicketCreated'
      ]
    )
    t.match(detail.event, { module: 'av' })

    // When the replay is asked for again, in bulk and for the event alone
    const again = await s.api('POST', '/api/security-events/replay', { dryRun: false })
    t.match(again.body, { matched: 0, replayed: 0 })
    const one = await s.api('POST', `/api/security-events/${skipped.key}/replay`, {})
    t.equal(one.status, 409)
    t.equal(one.body.error.code, 'not_replayable')
    await s.settle()
    // Then nothing more happens
    t.equal(tickets(s).length, 1, 'still one ticket')
    t.equal((await s.api('GET', '/api/audit?type=TicketCreated')).body.items.length, 1)
    t.match((await s.api('GET', '/api/security-events/summary')).body, {
      total: 1,
      byOutcome: { ticketed: 1, skipped: 0 },
      byCustomer: [{ companyId: acme.companyId, total: 1, byOutcome: { ticketed: 1 } }]
    })
    t.equal((await s.api('GET', '/api/security-events/nope')).status, 404)
  }
)

t.test('through a HaloPSA outage an event is pending, then ticketed once HaloPSA is back', async (t) => {
  const s = await e2e(t, {
    ticketingRetry: { minMs: 50, maxMs: 300, giveUpAfterMs: 120_000 },
    upstream: { timeoutMs: 2_000, retry: { retries: 1, minDelayMs: 20, maxDelayMs: 50 } }
  })
  await s.map(acme, { ticketing: true })
  await s.api('PUT', '/api/config/ticketing', config)
  // Given HaloPSA is down when the event arrives
  await s.halopsa.stop()
  await s.gravityzone.push.send([{ event: s.gravityzone.generate('av', acme.companyId) }])
  // Then the event is pending
  await waitFor(async () => (await list(s))[0]?.outcome === 'pending' && (await list(s))[0]?.mappingId !== undefined, {
    what: 'a pending event with its creation started'
  })
  t.match((await s.api('GET', '/api/security-events/summary')).body.byOutcome, { pending: 1, ticketed: 0 })
  // When HaloPSA is back, then it is ticketed
  await s.halopsa.resume()
  await waitFor(() => tickets(s).length > 0, { timeoutMs: 15_000, what: 'the waiting ticket' })
  await s.settle()
  await waitFor(async () => (await list(s))[0]?.outcome === 'ticketed', { what: 'the event ticketed' })
  t.equal(tickets(s).length, 1)
})

t.test('with a fallback client, events of unmapped companies become tickets on it, naming the company', async (t) => {
  const s = await e2e(t, { env: { TICKETING_FALLBACK_CLIENT_ID: String(birch.clientId) } })
  await s.api('PUT', '/api/config/ticketing', config)
  await s.gravityzone.push.send([{ event: s.gravityzone.generate('av', acme.companyId) }])
  await s.settle()
  t.equal(tickets(s).length, 1)
  t.match(tickets(s)[0], { client_id: birch.clientId })
  t.match(tickets(s)[0]!.details, new RegExp(`Company: ${acme.name} \\(${acme.companyId}, not mapped\\)`))
  t.match(await list(s), [{ outcome: 'ticketed', mappingId: 'fallback', companyId: acme.companyId }])
})

t.test(
  'older events than those kept in memory are read back from the store: listed, shown, counted, replayed',
  async (t) => {
    // Given a relay that keeps records for the newest 2 events, and 6 events skipped (their company unmapped)
    const s = await e2e(t, { env: { SECURITY_EVENTS_IN_MEMORY: '2' } })
    t.equal((await s.api('PUT', '/api/config/ticketing', config)).status, 200)
    for (let i = 0; i < 6; i++) await s.gravityzone.push.send([{ event: s.gravityzone.generate('av', acme.companyId) }])
    await s.settle()
    const events = s.relay.relay.runner.state(securityEventsProjection)
    t.equal(events.events.size, 2)
    t.equal(events.archivedTotal, 4, 'the four older, settled, have left memory')

    // When the list is paged, 2 at a time, then it gives all 6, newest first, the older ones from the store
    const seen: { key: string; position: string; outcome: string; reason: string }[] = []
    let cursor: string | null = null
    do {
      const page: { items: typeof seen; nextCursor: string | null } = (
        await s.api('GET', `/api/security-events?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).body
      seen.push(...page.items)
      cursor = page.nextCursor
    } while (cursor)
    t.equal(seen.length, 6)
    t.same(
      seen.map((e) => BigInt(e.position)),
      seen.map((e) => BigInt(e.position)).sort((a, b) => (a > b ? -1 : 1))
    )
    t.ok(seen.every((e) => e.outcome === 'skipped' && e.reason === 'unmapped'))
    t.equal(new Set(seen.map((e) => e.key)).size, 6)
    const oldest = seen.at(-1)!
    // and the filters apply to them too
    t.equal((await s.api('GET', `/api/security-events?company=${acme.companyId}&limit=10`)).body.items.length, 6)
    t.equal((await s.api('GET', `/api/security-events?company=${birch.companyId}&limit=10`)).body.items.length, 0)
    t.equal((await s.api('GET', '/api/security-events?outcome=ticketed&limit=10')).body.items.length, 0)

    // Then an older event is shown by its key, with or without its position, and counted
    const byKey = await s.api('GET', `/api/security-events/${oldest.key}`)
    t.equal(byKey.status, 200)
    t.match(byKey.body, { key: oldest.key, outcome: 'skipped', event: { module: 'av' } })
    t.same(
      byKey.body.facts.map((f: { type: string }) => f.type),
      ['SecurityEventReceived', 'TicketingSkipped']
    )
    t.equal((await s.api('GET', `/api/security-events/${oldest.key}?position=${oldest.position}`)).status, 200)
    const wrong = await s.api('GET', `/api/security-events/${oldest.key}?position=${BigInt(oldest.position) + 1n}`)
    t.equal(wrong.status, 404)
    t.equal(wrong.body.error.code, 'security_event_not_found')
    t.match((await s.api('GET', '/api/security-events/summary')).body, { total: 6, byOutcome: { skipped: 6 } })
    const dry = await s.api('POST', '/api/security-events/replay', { dryRun: true })
    t.match(dry.body, { matched: 6, complete: true })

    // When the company is mapped and the oldest event replayed
    await s.map(acme, { ticketing: true })
    const replay = await s.api('POST', `/api/security-events/${oldest.key}/replay`, {})
    t.equal(replay.status, 202)
    await s.settle()
    // Then it is ticketed once, back in memory until its ticket closes, and counted as ticketed
    t.equal(tickets(s).length, 1)
    t.match(events.held.get(oldest.key), { outcome: 'ticketed', replays: 1 })
    t.match((await s.api('GET', '/api/security-events?outcome=ticketed')).body.items, [{ key: oldest.key }])
    t.match((await s.api('GET', '/api/security-events/summary')).body, {
      total: 6,
      byOutcome: { skipped: 5, ticketed: 1 }
    })
    t.equal((await s.api('POST', `/api/security-events/${oldest.key}/replay`, {})).status, 409)
  }
)
