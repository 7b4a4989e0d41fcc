import { systemClock, type Clock } from '../../src/platforms/transport/clock.js'
import type { E2E } from './e2e.js'

/** Shared by the ticket rules' end-to-end tests (test/e2e/ticketRules*.e2e.test.ts). */

/** Wall-clock time moved forward by hand, still ticking; timers keep their real durations. */
export const movableClock = (at: string): Clock & { advance(ms: number): void } => {
  let offset = Date.parse(at) - Date.now()
  return {
    now: () => Date.now() + offset,
    sleep: systemClock.sleep,
    advance(ms) {
      offset += ms
    }
  }
}

export const MINUTE = 60_000
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

export const ticketingConfig = {
  ticketTypeId: 3,
  priorityId: 3,
  closedStatusName: 'Closed',
  autoCloseBlocked: false,
  modules: ['av', 'hd', 'new-incident']
}

type Row = Record<string, unknown>

export const haloTickets = (s: E2E): Row[] => [...s.halopsa.state.data().tickets.rows.values()] as Row[]
export const haloNotes = (s: E2E, ticketId?: unknown): Row[] =>
  ([...s.halopsa.state.data().actions.rows.values()] as Row[]).filter(
    (a) => ticketId === undefined || a.ticket_id === ticketId
  )

/** The facts of these types in the audit, oldest first. */
export const auditFacts = async (s: E2E, types: string): Promise<{ type: string; data: Row }[]> =>
  (await s.api('GET', `/api/audit?limit=1000&type=${types}`)).body.items

/** The same threat on the same endpoint, seen again (a later detection time: another event). */
export const again = (event: Row, n: number): Row => ({ ...event, timestamp: `2026-11-0${n}T10:00:00.000Z` })

export const send = async (s: E2E, ...events: Row[]) => {
  await s.gravityzone.push.send(events.map((event) => ({ event: event as never })))
  await s.settle()
}

export const putRules = async (s: E2E, rules: unknown) => {
  const res = await s.api('PUT', '/api/config/ticket-rules', rules)
  if (res.status !== 200) throw new Error(`PUT /api/config/ticket-rules: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}
