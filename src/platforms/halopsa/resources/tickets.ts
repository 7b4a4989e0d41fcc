import { isPlatformError } from '../../transport/errors.js'
import type { HaloHttp } from '../http.js'
import {
  actionSchema,
  ticketListItemSchema,
  ticketSchema,
  type HaloAction,
  type HaloTicket,
  type HaloTicketListItem
} from '../schemas.js'
import { haloSingle } from '../wire.js'
import { fetchAll, fetchPage } from './pages.js'
import { createTicketLookups, type TicketLookups } from './ticketState.js'

/**
 * Tickets (`/api/Tickets`) and their actions (`/api/Actions`); docs/platforms/halopsa.md#tickets-and-actions.
 * A list row has list columns only: whether a ticket is closed, and its third-party id, come from
 * `GET /Tickets/{id}` (ticketState.ts; docs/platforms/halopsa-fidelity.md).
 */

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
  category1?: string
  impact?: number
  urgency?: number
  customFields?: { id: number; value: unknown }[]
  /** A dedup key the relay can find the ticket by later. */
  thirdPartyIdString?: string
  /** Assets the ticket is about (`Faults.assets`, an array of `{id}`; docs/platforms/halopsa.md#assets). */
  assets?: number[]
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

export type TicketListOptions = {
  clientId?: number
  statusId?: number
  openOnly?: boolean
  closedOnly?: boolean
  ticketIds?: number[]
  search?: string
  /** Tickets whose summary matches (`search_summary`). */
  searchSummary?: string
  deleted?: boolean
}

export type HaloTickets = TicketLookups & {
  /**
   * Not idempotent: a failure whose outcome is unknown is not retried. A creation with assets that
   * HaloPSA refuses naming an asset (a 400: nothing was written) is sent again without them: a ticket
   * without its asset is better than no ticket (docs/assets.md#tickets).
   */
  create(ticket: NewTicket): Promise<HaloTicket>
  /** Null when Halo answers 404. */
  get(id: number): Promise<HaloTicket | null>
  /** Every matching ticket (list columns only), 100 per page (Halo's maximum for tickets). */
  list(options?: TicketListOptions): Promise<HaloTicketListItem[]>
  /** One page, newest first unless `order` says otherwise. */
  page(
    options: TicketListOptions & { pageSize: number; order?: string; orderDesc?: boolean }
  ): Promise<{ recordCount: number; records: HaloTicketListItem[] }>
  /** A partial update with Halo's field names; absolute values, so it is retried safely. */
  update(id: number, fields: Record<string, unknown>): Promise<HaloTicket>
  /**
   * Sets the closed status (9 on default installs, but configurable in Halo;
   * docs/platforms/halopsa.md#tickets-and-actions).
   */
  close(id: number, options: { statusId: number; agentId?: number }): Promise<HaloTicket>
  /**
   * Sets a closed ticket back to an open status (`POST /api/Tickets [{id, status_id}]`, as a
   * technician re-opens one); absolute, so it is retried safely.
   */
  reopen(id: number, options: { statusId: number }): Promise<HaloTicket>
  /** Adds a note/action; not idempotent. */
  addAction(action: NewAction): Promise<HaloAction>
  /**
   * A private note: `outcome` by name first (as Halo documents `Actions.outcome`; stock name
   * "Internal Note"), then by id (7 on stock instances) if Halo refuses the name. A refusal is a 400,
   * so nothing was written and the second try cannot duplicate the note.
   */
  addNote(ticketId: number, note: string, outcome?: NoteOutcome): Promise<HaloAction>
}

export type NoteOutcome = { name: string; id?: number }
export const defaultNoteOutcome: NoteOutcome = { name: 'Internal Note', id: 7 }

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
    category_1: t.category1,
    impact: t.impact,
    urgency: t.urgency,
    customfields: t.customFields,
    third_party_id_string: t.thirdPartyIdString,
    assets: t.assets?.length ? t.assets.map((id) => ({ id })) : undefined,
    _novalidate: t.noValidate ? true : undefined,
    ...t.fields
  })

const listParams = (o: TicketListOptions) => ({
  client_id: o.clientId,
  status_id: o.statusId,
  open_only: o.openOnly || undefined,
  closed_only: o.closedOnly || undefined,
  ticketids: o.ticketIds?.join(','),
  search: o.search,
  search_summary: o.searchSummary,
  deleted: o.deleted || undefined
})

/** A refusal that names the outcome ("An Outcome must be entered", "You do not have access to this Action"). */
const outcomeRefused = (error: unknown) =>
  isPlatformError(error) &&
  error.kind === 'rejected' &&
  /outcome|action/i.test(`${error.message} ${JSON.stringify(error.details ?? '')}`)

/** A refusal that names an asset ("[0].assets": …): the asset is gone or not the client's. */
const assetRefused = (error: unknown) =>
  isPlatformError(error) &&
  error.kind === 'rejected' &&
  /asset/i.test(`${error.message} ${JSON.stringify(error.details ?? '')}`)

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
  const get = (id: number) =>
    http.find({
      method: 'GET',
      path: `/api/Tickets/${id}`,
      call: 'GET /api/Tickets/{id}',
      idempotent: true,
      schema: ticketSchema
    })
  const list = (o: TicketListOptions = {}) =>
    fetchAll(http, {
      path: '/api/Tickets',
      key: 'tickets',
      item: ticketListItemSchema,
      params: listParams(o),
      pageSize: 100
    })
  const page: HaloTickets['page'] = (o) =>
    fetchPage(http, {
      path: '/api/Tickets',
      call: 'GET /api/Tickets',
      key: 'tickets',
      item: ticketListItemSchema,
      params: { ...listParams(o), order: o.order ?? 'id', orderdesc: o.orderDesc ?? true },
      pageNo: 1,
      pageSize: o.pageSize
    })
  const addAction = (a: NewAction) =>
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

  return {
    async create(ticket) {
      try {
        return await post(toWire(ticket), false)
      } catch (error) {
        if (!ticket.assets?.length || !assetRefused(error)) throw error
        return post(toWire({ ...ticket, assets: [] }), false)
      }
    },
    get,
    list,
    page,
    update,
    close: (id, options) => update(id, defined({ status_id: options.statusId, agent_id: options.agentId })),
    reopen: (id, options) => update(id, { status_id: options.statusId }),
    addAction,
    async addNote(ticketId, note, outcome = defaultNoteOutcome) {
      const base = { ticketId, note, hiddenFromUser: true }
      try {
        return await addAction({ ...base, outcome: outcome.name })
      } catch (error) {
        if (outcome.id === undefined || !outcomeRefused(error)) throw error
        return addAction({ ...base, outcomeId: outcome.id })
      }
    },
    ...createTicketLookups({ get, list, page })
  }
}
