import { setImmediate as yieldToLoop } from 'node:timers/promises'
import type { EventStore, StoredFact } from '../store/port.js'
import { isStreamNotFound } from '../store/errors.js'
import { asFact, type Fact, type TicketingConfiguration } from '../domain/facts.js'
import { factTime, ticketDecider, type TicketState } from '../domain/ticket.js'
import type { RuleEvent, TicketRules } from '../domain/ticketRules.js'
import { streams } from '../domain/streams.js'
import { createReplay, zeroCounts, type Counts, type Outcome, type Replay } from './ticketing/replay.js'
import { ruleEventOf } from './ticketing/ruleEvent.js'

/**
 * The backtest of a ticket rule set (docs/ticket-rules.md#backtest): the last N days of recorded
 * security events replayed through the same decision live ticketing uses (ticketing/replay.ts),
 * counted against what live ticketing did in the same period, per mapping and in total. It only
 * reads: the store is walked in chunks with a yield between them, and the walk stops at a number of
 * events, of facts read and of seconds, saying which limit it reached.
 */

export type BacktestRequest = { rules: TicketRules; days: number; maxEvents: number }

export type BacktestResult = {
  period: { from: string; to: string; days: number }
  events: {
    /** Security events received in the period that the replay took in. */
    considered: number
    /** Of those, events live ticketing has not decided yet (no outcome recorded): left out of the counts. */
    undecided: number
    limit: number
    /** The walk stopped early; `stoppedBy` says at which limit, `message` in words. */
    capped: boolean
    stoppedBy?: 'events' | 'facts' | 'time'
    message?: string
  }
  total: { simulated: Counts; actual: Counts }
  /** By mapping id; events without a mapping count in the total only. */
  byMapping: Map<string, { simulated: Counts; actual: Counts }>
}

export type BacktestLimits = { chunk?: number; maxFacts?: number; maxMs?: number }

const ticketPrefix = streams.ticket('')

const outcomeOf = (fact: Fact): { securityEventKey: string; mappingId?: string; outcome: Outcome } | undefined => {
  switch (fact.type) {
    case 'TicketCreated': {
      const d = fact.data
      const priority = d.priorityId !== undefined ? { priorityId: d.priorityId } : {}
      return { ...d, outcome: { kind: 'created', ticketId: d.ticketId, ...priority } }
    }
    case 'TicketNoteAdded': {
      const d = fact.data
      const kind = d.consolidatedInto !== undefined ? 'consolidated' : 'noted'
      return { ...d, outcome: { kind, ticketId: d.ticketId } }
    }
    case 'TicketReopened':
      return { ...fact.data, outcome: { kind: 'reopened', ticketId: fact.data.ticketId } }
    case 'TicketingSkipped':
      return { ...fact.data, outcome: { kind: fact.data.reason === 'excluded-by-rule' ? 'excluded' : 'skipped' } }
    case 'TicketCreateFailed':
    case 'TicketNoteFailed':
      return { ...fact.data, outcome: { kind: 'failed' } }
    default:
      return undefined
  }
}

const addCounts = (into: Counts, from: Counts) => {
  for (const key of ['tickets', 'notes', 'reopened', 'consolidated', 'excluded', 'skipped', 'failed'] as const)
    into[key] += from[key]
  for (const [priority, n] of Object.entries(from.priorities))
    into.priorities[priority] = (into.priorities[priority] ?? 0) + n
}

export const createTicketingBacktest = (deps: {
  store: EventStore
  ticketingConfiguration(): Promise<TicketingConfiguration | undefined>
  now: () => Date
  limits?: BacktestLimits
}) => {
  const { store } = deps
  const chunk = deps.limits?.chunk ?? 500
  const maxFacts = deps.limits?.maxFacts ?? 2_000_000
  const maxMs = deps.limits?.maxMs ?? 20_000

  /**
   * The position of the first fact recorded at or after `from` (head + 1 when none), walking back
   * from the head in chunks: the store has no time index, and only real facts' positions may be
   * handed to it (EventStoreDB refuses or misreads others). Undefined when `outOfTime` says stop.
   */
  const firstAtOrAfter = async (from: number, head: bigint, outOfTime: () => boolean) => {
    let first = head + 1n
    let before: bigint | undefined
    for (;;) {
      const facts = await store.readAll({
        direction: 'backwards',
        ...(before !== undefined ? { fromPosition: before } : {}),
        maxCount: chunk
      })
      for (const fact of facts) {
        if (fact.position > head) continue
        if (factTime(fact) < from) return first
        first = fact.position
      }
      if (facts.length < chunk) return first
      before = facts[facts.length - 1]!.position
      if (outOfTime()) return undefined
      await yieldToLoop()
    }
  }

  /**
   * The threat's stream as it was when the period began, then the closes recorded since (up to
   * `before`): the replay starts from what really existed, and no close is missed.
   */
  const seed = async (replay: Replay, threatKey: string, start: bigint, before: bigint, owner = true) => {
    let facts: StoredFact[] = []
    try {
      facts = await store.readStream(streams.ticket(threatKey))
    } catch (error) {
      if (!isStreamNotFound(error)) throw error
    }
    let state: TicketState = ticketDecider.initialState()
    for (const fact of facts) if (fact.position < start) state = ticketDecider.evolve(state, asFact(fact))
    let ownerState: TicketState | undefined
    if (owner && state.linkedTo !== undefined && !replay.seeded(state.linkedTo))
      ownerState = await seed(replay, state.linkedTo, start, before, false)
    replay.seed(threatKey, state, ownerState)
    for (const stored of facts) {
      const fact = asFact(stored)
      if (fact.type === 'TicketClosed' && stored.position >= start && stored.position < before)
        replay.closed(threatKey, fact.data, factTime(fact))
    }
    return state
  }

  return async (request: BacktestRequest): Promise<BacktestResult> => {
    const started = performance.now()
    const to = deps.now().getTime()
    const from = to - request.days * 86_400_000
    const config = await deps.ticketingConfiguration()
    const replay = createReplay({
      rules: request.rules,
      autoCloseBlocked: config?.autoCloseBlocked ?? false,
      ...(config?.priorityId !== undefined ? { defaultPriorityId: config.priorityId } : {})
    })
    const head = await store.headPosition()
    const outOfTime = () => performance.now() - started > maxMs
    const found = await firstAtOrAfter(from, head, outOfTime)
    const start = found ?? head + 1n
    const pending = new Map<string, { threatKey: string; event: RuleEvent }>()
    let considered = 0
    let read = 0
    let stoppedBy: 'events' | 'facts' | 'time' | undefined

    const take = async (stored: StoredFact) => {
      const fact = asFact(stored)
      if (fact.type === 'SecurityEventReceived') {
        const at = factTime(fact)
        if (at < from || pending.has(fact.data.eventKey)) return
        if (considered >= request.maxEvents) return void (stoppedBy ??= 'events')
        considered++
        pending.set(fact.data.eventKey, { threatKey: fact.data.threatKey, event: ruleEventOf(fact.data, at) })
        return
      }
      if (fact.type === 'TicketClosed') {
        const threatKey = fact.data.threatKey ?? stored.stream.slice(ticketPrefix.length)
        // A threat not seen yet is seeded later from its stream, closes included.
        if (replay.seeded(threatKey)) replay.closed(threatKey, fact.data, factTime(fact))
        return
      }
      const decided = outcomeOf(fact)
      const event = decided && pending.get(decided.securityEventKey)
      if (!decided || !event) return
      pending.delete(decided.securityEventKey)
      if (!replay.seeded(event.threatKey)) await seed(replay, event.threatKey, start, stored.position)
      replay.decide(event.threatKey, event.event, decided.mappingId ?? '', decided.outcome)
    }

    if (found === undefined) stoppedBy = 'time'
    // Each chunk after the first starts at the last fact read (a real position) and skips it.
    let last: bigint | undefined
    while (start <= head && stoppedBy !== 'facts' && stoppedBy !== 'time') {
      const facts = await store.readAll({
        fromPosition: last ?? start,
        maxCount: last === undefined ? chunk : chunk + 1
      })
      const fresh = facts.filter((f) => (last === undefined || f.position > last) && f.position <= head)
      if (fresh.length === 0) break
      for (const fact of fresh) await take(fact)
      read += fresh.length
      last = fresh[fresh.length - 1]!.position
      if (read >= maxFacts) stoppedBy = 'facts'
      else if (outOfTime()) stoppedBy = 'time'
      await yieldToLoop()
    }

    const { simulated, actual } = replay.results()
    const total = { simulated: zeroCounts(), actual: zeroCounts() }
    const byMapping = new Map<string, { simulated: Counts; actual: Counts }>()
    for (const mappingId of new Set([...simulated.keys(), ...actual.keys()])) {
      const entry = {
        simulated: simulated.get(mappingId) ?? zeroCounts(),
        actual: actual.get(mappingId) ?? zeroCounts()
      }
      addCounts(total.simulated, entry.simulated)
      addCounts(total.actual, entry.actual)
      if (mappingId !== '') byMapping.set(mappingId, entry)
    }
    const messages = {
      events: `only the first ${request.maxEvents} security events of the period were considered`,
      facts: `the walk stopped after ${read} facts; later events of the period were not considered`,
      time:
        found === undefined
          ? `the start of the period was not found within ${Math.round(maxMs / 1000)} s; no event was considered`
          : `the walk stopped after ${Math.round(maxMs / 1000)} s; later events of the period were not considered`
    }
    return {
      period: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), days: request.days },
      events: {
        considered,
        undecided: pending.size,
        limit: request.maxEvents,
        capped: stoppedBy !== undefined,
        ...(stoppedBy ? { stoppedBy, message: messages[stoppedBy] } : {})
      },
      total,
      byMapping
    }
  }
}

export type TicketingBacktest = ReturnType<typeof createTicketingBacktest>
