import { z } from 'zod'

/**
 * Ticket rules (docs/ticket-rules.md): what a security event becomes once ticketing is on for its
 * mapping and module. One pure function, `decideTicket`, is used by live ticketing and by the
 * backtest alike, so that a backtest of the rules in force on a recorded history reproduces what
 * live ticketing did. The defaults reproduce the relay's behaviour before rules existed: a repeat
 * of a threat on an endpoint is a note while its ticket is open, otherwise a new ticket with the
 * configured priority.
 */

const Id = z.number().int().positive()
const Score = z.number().int().min(0).max(100)

/** Which security events a rule applies to: every condition given must hold (none given: every event). */
export const EventMatch = z.strictObject({
  /** GravityZone push modules (its "event types": av, hd, new-incident, …). */
  modules: z.array(z.string().min(1).max(64)).min(1).max(32).optional(),
  /** The kind of event within its module (aph_type, uc_type, malware_type, …; docs/ticket-rules.md). */
  eventTypes: z.array(z.string().min(1).max(100)).min(1).max(32).optional(),
  /** The threat was blocked (true) or is still present (false). */
  blocked: z.boolean().optional(),
  /** The EDR incident's severityScore, both ends included; events without a score never match. */
  severity: z
    .strictObject({ min: Score, max: Score })
    .refine((s) => s.min <= s.max, 'severity.min must not be above severity.max')
    .optional()
})
export type EventMatch = z.infer<typeof EventMatch>

const conditionCount = (m: EventMatch) =>
  [m.modules, m.eventTypes, m.blocked, m.severity].filter((c) => c !== undefined).length

export const TicketRules = z.strictObject({
  /** The first rule that matches gives the ticket's HaloPSA priority; none: the configured priorityId. */
  priorities: z
    .array(z.strictObject({ when: EventMatch, priorityId: Id }))
    .max(50)
    .default([]),
  consolidation: z
    .strictObject({
      /** A repeat on the same endpoint is a note only within this many hours of the threat's last event. */
      repeatWindowHours: z.number().int().min(1).max(8760).optional(),
      /** The same threat on other endpoints of the client within this many minutes: one ticket. */
      endpointWindowMinutes: z.number().int().min(1).max(1440).optional()
    })
    .default({}),
  reopen: z
    .strictObject({
      /** A recurrence within this many days of the close re-opens the ticket; absent: off. */
      withinDays: z.number().int().min(1).max(365).optional(),
      /** The status a re-opened ticket gets; absent: the ticket type's re-opened or initial status. */
      statusId: Id.optional()
    })
    .default({}),
  /** Events that never create tickets, on top of the ticketing configuration's modules. */
  exclusions: z
    .array(EventMatch.refine((m) => conditionCount(m) > 0, 'an exclusion needs at least one condition'))
    .max(50)
    .default([])
})
export type TicketRules = z.infer<typeof TicketRules>

export const defaultTicketRules = (): TicketRules => ({
  priorities: [],
  consolidation: {},
  reopen: {},
  exclusions: []
})

/** A security event as the rules see it. */
export type RuleEvent = {
  module: string
  /** Lower-cased. */
  eventTypes: readonly string[]
  blocked: boolean
  severityScore?: number
  /** When the relay received it (ms): the rules' clock, live and in a backtest. */
  at: number
  /** The threat without the endpoint: the same threat on another endpoint has the same key. */
  familyKey: string
}

/** The ticket the threat on this endpoint last went into. */
export type ThreatTicket = {
  ticketId: number
  open: boolean
  /** The last event of this threat on this endpoint that went into the ticket. */
  lastEventAt: number
  closedAt?: number
  /** Deleted or merged in HaloPSA: it cannot be re-opened. */
  gone: boolean
  /** Created for this endpoint; a ticket this endpoint joined from another is not re-opened by it. */
  own: boolean
}

/** The newest ticket of the same threat for the same client, whichever endpoint it was created for. */
export type FamilyTicket = { ticketId: number; open: boolean; openedAt: number }

export type CreateReason = 'new-threat' | 'ticket-closed' | 'outside-window' | 'ticket-gone'

export type RuleDecision =
  | { action: 'skip'; reason: 'excluded-by-rule'; rule: number }
  | { action: 'note'; ticketId: number }
  | { action: 'reopen'; ticketId: number }
  | { action: 'consolidate'; ticketId: number }
  | { action: 'create'; why: CreateReason; priorityId?: number; priorityRule?: number }

const HOUR = 3_600_000

export const matches = (m: EventMatch, e: RuleEvent): boolean =>
  (m.modules === undefined || m.modules.includes(e.module)) &&
  (m.eventTypes === undefined || m.eventTypes.some((t) => e.eventTypes.includes(t.toLowerCase()))) &&
  (m.blocked === undefined || m.blocked === e.blocked) &&
  (m.severity === undefined ||
    (e.severityScore !== undefined && e.severityScore >= m.severity.min && e.severityScore <= m.severity.max))

/** The priority a new ticket gets: the first matching rule's, else `fallback` (the configured priorityId). */
export const priorityFor = (
  rules: TicketRules,
  event: RuleEvent,
  fallback?: number
): { priorityId?: number; priorityRule?: number } => {
  const index = rules.priorities.findIndex((r) => matches(r.when, event))
  if (index >= 0) return { priorityId: rules.priorities[index]!.priorityId, priorityRule: index }
  return fallback !== undefined ? { priorityId: fallback } : {}
}

export type RuleInput = {
  event: RuleEvent
  threat?: ThreatTicket
  /** Needed only when `consolidation.endpointWindowMinutes` is set. */
  family?: FamilyTicket
  /** The ticketing configuration's priorityId. */
  defaultPriorityId?: number
}

/** What a security event becomes, once the ticketing configuration lets it make a ticket at all. */
export const decideTicket = (rules: TicketRules, input: RuleInput): RuleDecision => {
  const { event, threat, family } = input
  const excluded = rules.exclusions.findIndex((m) => matches(m, event))
  if (excluded >= 0) return { action: 'skip', reason: 'excluded-by-rule', rule: excluded }

  let why: CreateReason = 'new-threat'
  if (threat?.open) {
    const window = rules.consolidation.repeatWindowHours
    if (window === undefined || event.at - threat.lastEventAt <= window * HOUR)
      return { action: 'note', ticketId: threat.ticketId }
    why = 'outside-window'
  } else if (threat) {
    const days = rules.reopen.withinDays
    const closedAt = threat.closedAt
    const reopenable = threat.own && !threat.gone && days !== undefined && closedAt !== undefined
    if (reopenable && event.at - closedAt <= days * 24 * HOUR) return { action: 'reopen', ticketId: threat.ticketId }
    why = threat.gone ? 'ticket-gone' : 'ticket-closed'
  }

  const minutes = rules.consolidation.endpointWindowMinutes
  if (
    minutes !== undefined &&
    family?.open &&
    family.ticketId !== threat?.ticketId &&
    event.at - family.openedAt <= minutes * 60_000
  )
    return { action: 'consolidate', ticketId: family.ticketId }

  return { action: 'create', why, ...priorityFor(rules, event, input.defaultPriorityId) }
}
