import { asFact } from '../domain/facts.js'
import type { EventStore, StoredFact } from '../store/port.js'
import { integrationEventsProjection } from '../../projections/integrationEvents.js'
import { mappingsProjection } from '../../projections/mappings.js'
import { createSecurityEventsProjection, outcomes, type SecurityEventsState } from '../../projections/securityEvents.js'
import type { Projection } from '../../projections/projection.js'
import { exit, openExistingStore, parse, relayApi, relaySetting, type CliOutput, type Env } from './common.js'
import { progressBar } from './progress.js'

export const rebuildUsage = `usage: npm run relay -- rebuild [--json] [--attempts N]

Rebuilds the read models (mappings, integration events, security events: the newest events'
records and every event's count by outcome) from scratch in memory, from every fact in the store
EVENT_STORE_URL names, and compares them with the live ones of the running relay, read through its
API (RELAY_URL, RELAY_TOKEN). Prints each difference. A relay that is still catching up can differ
for a moment: a mismatch is checked again, up to N times (default 3, a second apart), before it
counts. SECURITY_EVENTS_IN_MEMORY, as the relay has it, says how many events' records to compare.

  --json          print the comparison as JSON
  --attempts N    comparisons before a difference counts (default 3)
  -h, --help      print this text

Exit code: 0 the read models match, 1 they differ (or a call failed), 2 usage or configuration.`

type Row = Record<string, unknown>
type Model = { name: string; key: string; rebuilt: Map<string, Row>; live: Map<string, Row> }

const CHUNK = 1_000

/** Every fact, folded from the start by the projections the relay runs (no subscription, no hints). */
const fold = async (store: EventStore, recent: number) => {
  const projections = [
    integrationEventsProjection,
    mappingsProjection,
    createSecurityEventsProjection(recent)
  ] as Projection<unknown>[]
  const states = projections.map((p) => p.initialState())
  const head = await store.headPosition()
  const bar = progressBar('rebuild')
  let from = 0n
  for (;;) {
    const facts: StoredFact[] = await store.readAll({ fromPosition: from, maxCount: CHUNK })
    for (const fact of facts) projections.forEach((p, i) => (states[i] = p.evolve(states[i], asFact(fact))))
    if (facts.length < CHUNK) break
    from = facts.at(-1)!.position + 1n
    bar.update(Number(from), Number(head))
    await new Promise((resolve) => setImmediate(resolve))
  }
  bar.done()
  const [events, mappings, security] = states as [
    ReturnType<typeof integrationEventsProjection.initialState>,
    ReturnType<typeof mappingsProjection.initialState>,
    SecurityEventsState
  ]
  return {
    mappings: new Map(
      [...mappings.mappings.values()].map((m) => [
        m.id,
        {
          companyId: m.gravityzoneCompanyId,
          clientId: m.halopsaClientId,
          ticketsCreated: mappings.activity.get(m.id)?.ticketsCreated ?? 0
        }
      ])
    ),
    events: new Map([...events.events.values()].map((e) => [e.id, { type: e.type, status: e.status }])),
    // The records kept for the newest events, by position; and every event counted by outcome.
    securityEvents: new Map(
      [...security.events.values()].map((r) => [
        r.key,
        { outcome: r.outcome, ticketId: r.ticketId ?? null, position: r.position }
      ])
    ),
    securityEventCounts: securityEventCounts(security)
  }
}

const securityEventCounts = (state: SecurityEventsState): Map<string, Row> => {
  const counts = Object.fromEntries(outcomes.map((o) => [o, 0])) as Record<string, number>
  for (const records of [state.events, state.held]) for (const r of records.values()) counts[r.outcome]!++
  for (const bucket of state.archived.values()) for (const o of outcomes) counts[o]! += bucket.byOutcome[o] ?? 0
  return new Map(outcomes.map((o) => [o, { count: counts[o] }]))
}

/**
 * The newest security events of both sides, compared over the positions both hold: the side with
 * more facts folded has moved its window of records on.
 */
const overlap = (rebuilt: Map<string, Row>, live: Map<string, Row>) => {
  const positionOf = (r: Row) => BigInt(String(r.position))
  const oldest = (rows: Map<string, Row>) =>
    [...rows.values()].map(positionOf).reduce((a, b) => (b < a ? b : a), 2n ** 64n)
  const from = [oldest(rebuilt), oldest(live)].reduce((a, b) => (a > b ? a : b))
  const within = (rows: Map<string, Row>) =>
    new Map([...rows].filter(([, r]) => positionOf(r) >= from).map(([k, { position: _, ...r }]) => [k, r]))
  return { rebuilt: within(rebuilt), live: within(live) }
}

const live = async (api: ReturnType<typeof relayApi>, recent: number) => {
  const pages = async (path: string, most = Infinity) => {
    const items: Row[] = []
    let cursor: string | null = null
    do {
      const sep = path.includes('?') ? '&' : '?'
      const page = (await api(
        'GET',
        `${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`
      )) as {
        items: Row[]
        nextCursor: string | null
      }
      items.push(...page.items)
      cursor = page.nextCursor
    } while (cursor !== null && items.length < most)
    return items
  }
  const mappings = ((await api('GET', '/api/mappings')) as { items: Row[] }).items
  return {
    mappings: new Map(
      mappings.map((m) => [
        String(m.id),
        { companyId: m.gravityzoneCompanyId, clientId: m.halopsaClientId, ticketsCreated: m.ticketsCreated }
      ])
    ),
    events: new Map(
      (await pages('/api/events?status=all')).map((e) => [String(e.id), { type: e.type, status: e.status }])
    ),
    securityEvents: new Map(
      (await pages('/api/security-events', recent))
        .slice(0, recent)
        .map((r) => [String(r.key), { outcome: r.outcome, ticketId: r.ticketId ?? null, position: r.position }])
    ),
    securityEventCounts: new Map(
      Object.entries(
        ((await api('GET', '/api/security-events/summary')) as { byOutcome: Record<string, number> }).byOutcome
      ).map(([o, count]) => [o, { count }])
    )
  }
}

const differences = (models: Model[]): string[] => {
  const found: string[] = []
  for (const m of models) {
    for (const [id, row] of m.rebuilt) {
      const other = m.live.get(id)
      if (!other) found.push(`${m.name} ${id}: rebuilt ${JSON.stringify(row)}, missing from the live relay`)
      else if (JSON.stringify(other) !== JSON.stringify(row))
        found.push(`${m.name} ${id}: rebuilt ${JSON.stringify(row)}, live ${JSON.stringify(other)}`)
    }
    for (const [id, row] of m.live)
      if (!m.rebuilt.has(id)) found.push(`${m.name} ${id}: live ${JSON.stringify(row)}, not in the rebuild`)
  }
  return found
}

export const runRebuild = async (argv: string[], env: Env, io: CliOutput): Promise<number> => {
  const o = parse(argv, { json: { type: 'boolean' }, attempts: { type: 'string' } })
  if (o.help) return (io.out(rebuildUsage), exit.ok)
  const attempts = o.attempts !== undefined ? Number(o.attempts) : 3
  // As many security events in memory as the relay keeps (its own setting, when the CLI shares its environment).
  const recent = relaySetting(env, 'SECURITY_EVENTS_IN_MEMORY')
  const api = relayApi(env)
  const store = await openExistingStore(env)
  try {
    let found: string[] = []
    let models: Model[] = []
    for (let attempt = 1; attempt <= Math.max(1, attempts); attempt++) {
      // The live models first: the rebuild then reads at least every fact they can have seen.
      const seen = await live(api, recent)
      const rebuilt = await fold(store, recent)
      const newest = overlap(rebuilt.securityEvents, seen.securityEvents)
      models = [
        ...(['mappings', 'events', 'securityEventCounts'] as const).map((name) => ({
          name,
          key: name,
          rebuilt: rebuilt[name],
          live: seen[name]
        })),
        { name: 'securityEvents', key: 'securityEvents', ...newest }
      ]
      found = differences(models)
      if (found.length === 0) break
      if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, 1_000))
    }
    const counts = Object.fromEntries(models.map((m) => [m.name, { rebuilt: m.rebuilt.size, live: m.live.size }]))
    if (o.json) io.out(JSON.stringify({ match: found.length === 0, counts, differences: found }, null, 2))
    else {
      for (const m of models) io.out(`${m.name}: ${m.rebuilt.size} rebuilt, ${m.live.size} live`)
      for (const d of found) io.out(`differs: ${d}`)
      io.out(found.length === 0 ? 'the read models match' : `${found.length} differences`)
    }
    return found.length === 0 ? exit.ok : exit.failure
  } finally {
    await store.close()
  }
}
