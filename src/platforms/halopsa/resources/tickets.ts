import type { HaloHttp } from '../http.js'
import { actionSchema, ticketSchema, type HaloAction, type HaloTicket } from '../schemas.js'
import { haloSingle } from '../wire.js'
import { fetchAll } from './pages.js'

/** Tickets (`/api/Tickets`) and their actions (`/api/Actions`); docs/platforms/halopsa.md#tickets-and-actions. */

type NewTicket = {
  summary: string
  details?: string
  detailsHtml?: string
  clientId: number
  siteId?: number
  ticketTypeId: number
  priorityId?: number
  statusId?: number
  agentId?: number
  teamId?: number
  category1?: string
  impact?: number
  urgency?: number
  customFields?: { id: number; value: unknown }[]
  /** A dedup key the relay can find the ticket by later. */
  thirdPartyIdString?: string
  /** `_novalidate`: skip the ticket type's mandatory fields (CIPP does). */
  noValidate?: boolean
  /** Further Halo ticket fields, sent verbatim (Halo's own names). */
  fields?: Record<string, unknown>
}

type NewAction = {
  ticketId: number
  note: string
  /** Halo refuses an action without an outcome (400, "An Outcome must be entered"). */
  outcome?: string
  outcomeId?: number
  hiddenFromUser?: boolean
  /** Changes the ticket's status with the action. */
  newStatusId?: number
}

type TicketListOptions = {
  clientId?: number
  statusId?: number
  openOnly?: boolean
  closedOnly?: boolean
  ticketIds?: number[]
  search?: string
  deleted?: boolean
}

export type HaloTickets = {
  /** Not idempotent: a failure whose outcome is unknown is not retried. */
  create(ticket: NewTicket): Promise<HaloTicket>
  /** Null when Halo answers 404. */
  get(id: number): Promise<HaloTicket | null>
  /** Every matching ticket, 100 per page (Halo's maximum for tickets). */
  list(options?: TicketListOptions): Promise<HaloTicket[]>
  /** A partial update with Halo's field names; absolute values, so it is retried safely. */
  update(id: number, fields: Record<string, unknown>): Promise<HaloTicket>
  /**
   * Sets the closed status (9 on default installs, but configurable in Halo;
   * docs/platforms/halopsa.md#tickets-and-actions).
   */
  close(id: number, options: { statusId: number; agentId?: number }): Promise<HaloTicket>
  /** Adds a note/action; not idempotent. */
  addAction(action: NewAction): Promise<HaloAction>
}

const defined = (record: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined))

const toWire = (t: NewTicket): Record<string, unknown> =>
  defined({
    summary: t.summary,
    details: t.details,
    details_html: t.detailsHtml,
    client_id: t.clientId,
    site_id: t.siteId,
    tickettype_id: t.ticketTypeId,
    priority_id: t.priorityId,
    status_id: t.statusId,
    agent_id: t.agentId,
    team_id: t.teamId,
    category_1: t.category1,
    impact: t.impact,
    urgency: t.urgency,
    customfields: t.customFields,
    third_party_id_string: t.thirdPartyIdString,
    _novalidate: t.noValidate ? true : undefined,
    ...t.fields
  })

export const createTicketsApi = (http: HaloHttp): HaloTickets => {
  const post = (body: Record<string, unknown>, idempotent: boolean) =>
    http.send({
      method: 'POST',
      path: '/api/Tickets',
      call: 'POST /api/Tickets',
      body: [body],
      idempotent,
      schema: haloSingle(ticketSchema)
    })
  const update = (id: number, fields: Record<string, unknown>) => post({ ...fields, id }, true)

  return {
    create: (ticket) => post(toWire(ticket), false),
    get: (id) =>
      http.find({
        method: 'GET',
        path: `/api/Tickets/${id}`,
        call: 'GET /api/Tickets/{id}',
        idempotent: true,
        schema: ticketSchema
      }),
    list: (o = {}) =>
      fetchAll(http, {
        path: '/api/Tickets',
        key: 'tickets',
        item: ticketSchema,
        params: {
          client_id: o.clientId,
          status_id: o.statusId,
          open_only: o.openOnly || undefined,
          closed_only: o.closedOnly || undefined,
          ticketids: o.ticketIds?.join(','),
          search: o.search,
          deleted: o.deleted || undefined
        },
        pageSize: 100
      }),
    update,
    close: (id, options) => update(id, defined({ status_id: options.statusId, agent_id: options.agentId })),
    addAction: (a) =>
      http.send({
        method: 'POST',
        path: '/api/Actions',
        call: 'POST /api/Actions',
        body: [
          defined({
            ticket_id: a.ticketId,
            note: a.note,
            outcome: a.outcome,
            outcome_id: a.outcomeId,
            hiddenfromuser: a.hiddenFromUser,
            new_status: a.newStatusId
          })
        ],
        idempotent: false,
        schema: haloSingle(actionSchema)
      })
  }
}
