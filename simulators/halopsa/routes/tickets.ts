import type { FastifyInstance } from 'fastify'
import type { SimContext } from '../context.js'
import { simEvents, type SimEventKey } from '../events.js'
import { registerResource, truthy, type FieldErrors, type Query } from '../resource.js'
import { ticketRow } from '../rows.js'
import { ticketAssetErrors, ticketAssets } from './assets.js'
import { NULL_DATE, haloTime, num, str, type Row } from '../state.js'

/**
 * Tickets and actions (docs/platforms/halopsa.md#tickets-and-actions): mandatory fields per ticket
 * type unless `_novalidate`, closing by status (sets hasbeenclosed/dateclosed), soft delete with
 * `_recover`, actions that need an outcome and may change the status. Status changes fire webhooks.
 */

/** Write-only flags Halo accepts on tickets and does not store (docs/platforms/halopsa.md#writes-are-arrays). */
const FLAGS = [
  '_novalidate',
  'donotapplytemplateintheapi',
  '_forcereassign',
  'dont_do_rules',
  '_dont_fire_automations',
  '_recover',
  '_validate_updates'
]
const withoutFlags = (input: Row): Row =>
  Object.fromEntries(Object.entries(input).filter(([k]) => !FLAGS.includes(k.toLowerCase())))

/**
 * The columns a ticket list returns: those of a real `GET /Tickets` answer (n8n's HaloPSA node
 * schema `ticket/getAll.json`, generated from one). Closure, the third-party id, deletion and
 * custom fields are not among them: they come only with `GET /Tickets/{id}`.
 */
const LIST_COLUMNS = [
  'id',
  'summary',
  'details',
  'agent_id',
  'targetdate',
  'dateoccurred',
  'status_id',
  'tickettype_id',
  'sla_id',
  'priority_id',
  'client_id',
  'client_name',
  'site_id',
  'site_name',
  'user_id',
  'user_name',
  'team',
  'category_1',
  'category_2',
  'category_3',
  'category_4',
  'onhold',
  'lastactiondate',
  'last_update',
  'inactive',
  'impact',
  'urgency',
  'source',
  'guid',
  'ticketage'
]

const listView = (row: Row): Row => Object.fromEntries(LIST_COLUMNS.filter((k) => k in row).map((k) => [k, row[k]]))

const blank = (v: unknown) => v === undefined || v === null || v === '' || v === 0 || v === -1

const ticketSmall = (t: Row): Row => ({
  id: t.id,
  summary: t.summary,
  status_id: t.status_id,
  tickettype_id: t.tickettype_id,
  client_id: t.client_id,
  team_id: t.team_id,
  agent_id: t.agent_id,
  customfields: t.customfields,
  hasbeenclosed: t.hasbeenclosed,
  third_party_id_string: t.third_party_id_string
})

const ticketFull = (ctx: SimContext, t: Row): Row => ({
  ...structuredClone(t),
  status_name: str(ctx.data.statuses.get(num(t, 'status_id') ?? -1), 'name') ?? '',
  tickettype_name: str(ctx.data.ticketTypes.get(num(t, 'tickettype_id') ?? -1), 'name') ?? ''
})

const announce = (ctx: SimContext, event: SimEventKey, ticket: Row, agentId?: number) => {
  const id = ticket.id as number
  const messages: Record<string, string> = {
    ticketStatusChanged: `The status has been changed for Ticket ID: ${String(id).padStart(7, '0')}.`,
    newTicket: `New Ticket ID: ${String(id).padStart(7, '0')} has been logged.`,
    ticketUpdated: `Ticket ID: ${String(id).padStart(7, '0')} has been updated.`,
    ticketDeleted: `Ticket ID: ${String(id).padStart(7, '0')} has been deleted.`
  }
  ctx.notify({
    event: simEvents[event],
    objectId: id,
    message: messages[event] ?? event,
    ...(agentId !== undefined ? { agentId } : {}),
    entity: { key: 'ticket', full: ticketFull(ctx, ticket), small: ticketSmall(ticket) }
  })
}

/** Sets a status with Halo's side effects; true when it changed. */
export const applyStatus = (ctx: SimContext, ticket: Row, statusId: number): boolean => {
  const changed = ticket.status_id !== statusId
  ticket.status_id = statusId
  if (statusId === ctx.data.closedStatusId) {
    if (ticket.hasbeenclosed !== true) ticket.dateclosed = haloTime(ctx.clock.now())
    ticket.hasbeenclosed = true
  } else if (ticket.hasbeenclosed === true) {
    ticket.hasbeenclosed = false
    ticket.dateclosed = NULL_DATE
  }
  ticket.last_update = haloTime(ctx.clock.now())
  return changed
}

/** A technician changes the status in Halo's UI, behind the relay's back: the webhook fires. */
export const setStatusAsTechnician = (
  ctx: SimContext,
  ticketId: number,
  statusId: number,
  agentId = 3
): Row | undefined => {
  const ticket = ctx.data.tickets.get(ticketId)
  if (!ticket || !ctx.data.statuses.get(statusId)) return undefined
  if (applyStatus(ctx, ticket, statusId)) announce(ctx, 'ticketStatusChanged', ticket, agentId)
  return ticket
}

const checkRef = (
  ctx: SimContext,
  table: 'statuses' | 'priorities',
  input: Row,
  key: string,
  at: string
): FieldErrors => {
  if (!(key in input)) return {}
  const id = num(input, key) ?? -999
  const exists =
    table === 'statuses'
      ? ctx.data.statuses.get(id) !== undefined
      : [...ctx.data.priorities.rows.values()].some((p) => p.priorityid === id)
  return exists ? {} : { [`${at}.${key}`]: `${key} ${String(input[key])} does not exist` }
}

const validateTicket = (ctx: SimContext, input: Row, existing: Row | undefined, at: string): FieldErrors => {
  const errors: FieldErrors = {
    ...checkRef(ctx, 'statuses', input, 'status_id', at),
    ...checkRef(ctx, 'priorities', input, 'priority_id', at),
    ...ticketAssetErrors(ctx, input, at)
  }
  if (existing) return errors
  if (typeof input.summary !== 'string' || input.summary.trim() === '')
    errors[`${at}.summary`] = 'A summary must be entered'
  if (!ctx.data.clients.get(num(input, 'client_id') ?? -1))
    errors[`${at}.client_id`] = 'A valid client must be selected'
  const type = ctx.data.ticketTypes.get(num(input, 'tickettype_id') ?? -1)
  if (!type) errors[`${at}.tickettype_id`] = 'A valid Ticket Type must be selected'
  else if (input._novalidate !== true) {
    for (const name of ctx.data.mandatoryFields.get(type.id as number) ?? []) {
      if (blank(input[name])) errors[`${at}.${name}`] = `${name} is mandatory for Ticket Type '${String(type.name)}'`
    }
  }
  return errors
}

const ticketFilter =
  (ctx: SimContext) =>
  (row: Row, q: Query): boolean => {
    if (truthy(q.deleted) !== (row.deleted === true)) return false
    for (const key of ['client_id', 'status_id', 'tickettype_id', 'agent_id'])
      if (q[key] !== undefined && String(row[key]) !== q[key]) return false
    const closed = row.status_id === ctx.data.closedStatusId
    if (truthy(q.open_only) && closed) return false
    if (truthy(q.closed_only) && !closed) return false
    if (
      q.ticketids !== undefined &&
      !q.ticketids
        .split(',')
        .map((s) => s.trim())
        .includes(String(row.id))
    )
      return false
    if (q.search_summary !== undefined && !String(row.summary).toLowerCase().includes(q.search_summary.toLowerCase()))
      return false
    if (q.startdate !== undefined || q.enddate !== undefined) {
      const at = String(row[q.datesearch ?? 'dateoccurred'] ?? '')
      if ((q.startdate && at < q.startdate) || (q.enddate && at > q.enddate)) return false
    }
    return true
  }

export const registerTickets = (app: FastifyInstance, ctx: SimContext): void => {
  registerResource(app, ctx, {
    path: '/api/Tickets',
    key: 'tickets',
    scope: { area: 'tickets' },
    table: (c) => c.data.tickets,
    maxPageSize: 100,
    filter: ticketFilter(ctx),
    searchText: (row) => `${String(row.summary)} ${String(row.details)}`,
    view: (row, _c, q, one) => (truthy(q.ticketidonly) ? { id: row.id } : one ? { ...row } : listView(row)),
    validate: (input, existing, at, c) => validateTicket(c, input, existing, at),
    create: (input, id, c) => {
      const row = ticketRow(c.data, id, withoutFlags(input), c.clock.now())
      // `Faults.assets` is a list of `Device_List`: a ticket shows the assets' rows, not only their ids.
      row.assets = ticketAssets(c, input.assets)
      if (row.status_id === c.data.closedStatusId) applyStatus(c, row, row.status_id as number)
      return row
    },
    update: (row, input, c) => {
      if (input._recover === true) row.deleted = false
      const fields = withoutFlags(input)
      const status = num(fields, 'status_id')
      delete fields.status_id
      Object.assign(row, fields, { id: row.id })
      if ('assets' in fields) row.assets = ticketAssets(c, fields.assets)
      if (status !== undefined) applyStatus(c, row, status)
      row.last_update = haloTime(c.clock.now())
    },
    afterWrite: (before, after, c) => {
      if (!before) return c.behaviour.ticketEvents ? announce(c, 'newTicket', after) : undefined
      if (before.status_id !== after.status_id) announce(c, 'ticketStatusChanged', after, num(after, 'agent_id'))
      else if (c.behaviour.ticketEvents) announce(c, 'ticketUpdated', after)
    },
    remove: (row, c, q) => {
      // Tickets are soft-deleted (docs/platforms/halopsa.md#writes-are-arrays): listed with
      // deleted=true, restorable.
      row.deleted = true
      if (q.reason !== undefined) row.deleted_reason = q.reason
      if (c.behaviour.ticketEvents) announce(c, 'ticketDeleted', row)
    }
  })

  registerResource(app, ctx, {
    path: '/api/Actions',
    key: 'actions',
    scope: { area: 'tickets' },
    table: (c) => c.data.actions,
    filter: (row, q) => q.ticket_id === undefined || String(row.ticket_id) === q.ticket_id,
    searchText: (row) => String(row.note),
    validate: (input, existing, at, c) => {
      if (existing) return {}
      const errors: FieldErrors = checkRef(c, 'statuses', input, 'new_status', at)
      if (!c.data.tickets.get(num(input, 'ticket_id') ?? -1)) errors[`${at}.ticket_id`] = 'A valid ticket must be given'
      const outcome =
        c.data.outcomes.get(num(input, 'outcome_id') ?? -1) ??
        [...c.data.outcomes.rows.values()].find(
          (o) => typeof input.outcome === 'string' && String(o.outcome).toLowerCase() === input.outcome.toLowerCase()
        )
      if (!outcome) errors[`${at}.outcome`] = 'An Outcome must be entered for this Action'
      else if (c.data.forbiddenOutcomeIds.has(outcome.id as number))
        errors[`${at}.outcome`] = 'You do not have access to this Action at the moment'
      return errors
    },
    create: (input, id, c) => {
      const outcome =
        c.data.outcomes.get(num(input, 'outcome_id') ?? -1) ??
        [...c.data.outcomes.rows.values()].find(
          (o) => String(o.outcome).toLowerCase() === String(input.outcome).toLowerCase()
        )!
      const action: Row = {
        note: '',
        note_html: '',
        hiddenfromuser: false,
        ...input,
        id,
        outcome: outcome.outcome,
        outcome_id: outcome.id,
        who: 'API',
        actionby_application_id: c.behaviour.clientId,
        datetime: haloTime(c.clock.now())
      }
      const ticket = c.data.tickets.get(num(input, 'ticket_id')!)!
      const status = num(input, 'new_status')
      if (status !== undefined && status > 0 && applyStatus(c, ticket, status))
        announce(c, 'ticketStatusChanged', ticket)
      return action
    }
  })
}
