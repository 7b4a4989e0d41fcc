import type { HaloTicket, HaloTicketListItem } from '../schemas.js'
import type { TicketListOptions } from './tickets.js'

/**
 * What the relay needs to know about its own tickets, read where Halo has it. A `GET /Tickets`
 * row carries list columns only (n8n's HaloPSA node schema, from a real list, has no
 * `hasbeenclosed` or `third_party_id_string`; Stellar Cyber's sync reads `hasbeenclosed` from
 * `GET /Tickets/{id}` only), so lists only pick candidates and every conclusion is drawn from the
 * ticket itself. A field the ticket does not carry is "unknown", never "no".
 */

export type TicketState =
  | { exists: false }
  | {
      exists: true
      closed: boolean | 'unknown'
      deleted: boolean | 'unknown'
      statusId: number
      ticket: HaloTicket
    }

export type MarkerSearch =
  | { found: true; ticket: HaloTicket }
  /** Every candidate was read and none carries the marker: safe to create. */
  | { found: false; checked: number }
  /** Could not be settled (the field was missing, or too many candidates): do not create blindly. */
  | { found: 'unknown'; reason: string; checked: number }

export type TicketLookups = {
  /** The ticket's closure as `GET /Tickets/{id}` has it; `exists: false` on a 404. */
  state(id: number): Promise<TicketState>
  /**
   * Which of `ids` are closed now: `closed_only` lists the candidates, each confirmed by reading the
   * ticket (so a filter Halo ignored cannot close an open ticket). 100 ids per list call.
   */
  closedAmong(ids: number[]): Promise<{ id: number; statusId: number }[]>
  /**
   * The ticket the relay created with `marker` in its third-party id, after a crash or an answer
   * that never came. Halo has no filter on that field, so the candidates are the client's tickets
   * with the same summary plus its newest few, each read by id (at most `limit`, default 20).
   */
  findByMarker(search: { clientId: number; marker: string; summary?: string; limit?: number }): Promise<MarkerSearch>
}

type Reads = {
  get(id: number): Promise<HaloTicket | null>
  list(options: TicketListOptions): Promise<HaloTicketListItem[]>
  page(
    options: TicketListOptions & { pageSize: number }
  ): Promise<{ recordCount: number; records: HaloTicketListItem[] }>
}

const known = (value: boolean | null): boolean | 'unknown' => (value === null ? 'unknown' : value)

export const createTicketLookups = (reads: Reads): TicketLookups => {
  const state = async (id: number): Promise<TicketState> => {
    const ticket = await reads.get(id)
    if (!ticket) return { exists: false }
    return {
      exists: true,
      closed: known(ticket.hasBeenClosed),
      deleted: known(ticket.deleted),
      statusId: ticket.statusId,
      ticket
    }
  }

  return {
    state,

    async closedAmong(ids) {
      const closed: { id: number; statusId: number }[] = []
      for (let i = 0; i < ids.length; i += 100) {
        const chunk = ids.slice(i, i + 100)
        const wanted = new Set(chunk)
        const candidates = await reads.list({ ticketIds: chunk, closedOnly: true })
        for (const candidate of candidates) {
          if (!wanted.has(candidate.id)) continue
          wanted.delete(candidate.id)
          const now = await state(candidate.id)
          if (now.exists && now.closed === true) closed.push({ id: candidate.id, statusId: now.statusId })
        }
      }
      return closed
    },

    async findByMarker({ clientId, marker, summary, limit = 20 }) {
      const bySummary = summary
        ? await reads.page({ clientId, searchSummary: summary, pageSize: limit })
        : { recordCount: 0, records: [] }
      const newest = await reads.page({ clientId, pageSize: Math.min(10, limit) })
      const ids = [...new Set([...bySummary.records, ...newest.records].map((t) => t.id))].slice(0, limit)
      let unknown = 0
      for (const id of ids) {
        const ticket = await reads.get(id)
        if (!ticket) continue
        if (ticket.thirdPartyIdString === undefined) unknown++
        else if (ticket.thirdPartyIdString === marker) return { found: true, ticket }
      }
      if (unknown > 0)
        return {
          found: 'unknown',
          reason: `HaloPSA did not return third_party_id_string for ${unknown} of ${ids.length} candidate tickets`,
          checked: ids.length
        }
      // Absent is proven when every ticket with our summary was read (or, without a summary, every ticket).
      const complete = (p: { recordCount: number; records: unknown[] }) => p.recordCount <= p.records.length
      if (summary ? !complete(bySummary) : !complete(newest))
        return {
          found: 'unknown',
          reason: summary
            ? `${bySummary.recordCount} tickets share the summary; only ${bySummary.records.length} were checked`
            : `the client has ${newest.recordCount} tickets; only the newest ${newest.records.length} were checked`,
          checked: ids.length
        }
      return { found: false, checked: ids.length }
    }
  }
}
