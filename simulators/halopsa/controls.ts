import type { SimBehaviour, SimContext, Quirks } from './context.js'
import type { TokenStore } from './auth.js'
import { seedData, ticketTypeFields, type SeedName } from './seed.js'
import { changeClient, removeClient } from './routes/customers.js'
import { removeInvoiceLine } from './routes/invoices.js'
import { setStatusAsTechnician } from './routes/tickets.js'
import type { CallLog, RateLimitSettings } from './traffic.js'
import type { Row, SimData } from './state.js'
import {
  pickedEvent,
  simAuthenticationTypes,
  simPayloadTypes,
  type SimEventKey,
  type SimPayloadType
} from './events.js'

/**
 * What a human (or Halo itself) can do to the instance behind the relay's back (delete a client, an
 * item or an invoice line, rename a status, close a ticket), plus switches for the simulator's
 * behaviour. Tests call these in-process; the demo and other processes use the `/_sim/` routes that
 * wrap them.
 */

export type HaloPsaSimState = {
  /** The raw tables (Halo field names), for assertions. */
  data(): SimData
  /** Back to the seed (tokens stay valid). */
  reset(seed?: SeedName): void
  deleteClient(id: number): boolean
  updateClient(id: number, patch: { name?: string; inactive?: boolean }): boolean
  deleteItem(id: number): boolean
  /** Inactivate (or reactivate) an item as a human would in Halo's UI. */
  setItemInactive(id: number, inactive: boolean): boolean
  deleteRecurringInvoice(id: number): boolean
  deleteInvoiceLine(invoiceId: number, lineId: number): boolean
  addStatus(status: { id?: number; name: string }): number
  renameStatus(id: number, name: string): boolean
  removeStatus(id: number): boolean
  /** Which status closes tickets (default 9). */
  setClosedStatus(id: number): void
  setMandatoryFields(ticketTypeId: number, fields: string[]): boolean
  /** A technician closes the ticket in Halo's UI: status → closed, webhook fires. */
  closeTicket(ticketId: number, options?: { statusId?: number; agentId?: number }): boolean
  setTicketStatus(ticketId: number, statusId: number, agentId?: number): boolean
  /**
   * What an operator does in Halo's webhook screen to finish a webhook the relay registered: pick
   * the events (default: ticket status changed), Basic authentication with the stored user and
   * password, and a payload type (default: the instance's `webhookPayload`).
   */
  finishWebhook(
    webhookId: string,
    options?: { events?: SimEventKey[]; payload?: SimPayloadType; basicAuth?: boolean }
  ): boolean
  /** An operator creates a whole webhook in Halo's webhook screen (events, Basic auth, payload); its id. */
  createWebhook(webhook: {
    name: string
    url: string
    username: string
    password: string
    events?: SimEventKey[]
    payload?: SimPayloadType
  }): string
  /** The API agent may no longer use this outcome. */
  forbidOutcome(outcomeId: number): void
  revokeTokens(): number
  /** Tokens issued so far, for leak checks. */
  issuedTokens(): string[]
  setQuirks(quirks: Partial<Quirks>): void
  setRateLimit(settings: Partial<RateLimitSettings>): void
  setBehaviour(
    behaviour: Partial<
      Pick<
        SimBehaviour,
        'clientEvents' | 'ticketEvents' | 'clientDelete' | 'unknownIdStatus' | 'ticketPageSize' | 'webhookPayload'
      >
    >
  ): void
  calls: CallLog
}

export const createControls = (
  ctx: SimContext,
  tokens: TokenStore,
  traffic: { calls: CallLog; rateLimit: RateLimitSettings }
): HaloPsaSimState => {
  const finishWebhook: HaloPsaSimState['finishWebhook'] = (webhookId, o = {}) => {
    const webhook = ctx.data.webhooks.get(webhookId.toLowerCase())
    if (!webhook) return false
    const events = o.events ?? ['ticketStatusChanged']
    const kept = ((webhook.events as Row[] | undefined) ?? []).filter((e) => e.eventno !== null)
    webhook.events = [...kept, ...events.map((key) => pickedEvent(ctx.data, key, webhook.id as string))]
    if (o.basicAuth ?? true) webhook.authentication_type = simAuthenticationTypes.basic
    webhook.payload_type = simPayloadTypes[o.payload ?? ctx.behaviour.webhookPayload]
    return true
  }

  return {
    data: () => ctx.data,
    reset(seed = ctx.behaviour.seed) {
      ctx.data = seedData(seed, ctx.clock.now())
    },
    deleteClient(id) {
      const row = ctx.data.clients.get(id)
      if (!row) return false
      // A human in Halo's UI is not stopped by the API's delete policy.
      const saved = ctx.behaviour.clientDelete
      ctx.behaviour.clientDelete = 'remove'
      removeClient(ctx, row)
      ctx.behaviour.clientDelete = saved
      return true
    },
    updateClient: (id, patch) => changeClient(ctx, id, patch) !== undefined,
    deleteItem: (id) => ctx.data.items.rows.delete(id),
    setItemInactive(id, inactive) {
      if (!ctx.data.items.get(id)) return false
      if (inactive) ctx.data.inactiveItemIds.add(id)
      else ctx.data.inactiveItemIds.delete(id)
      return true
    },
    deleteRecurringInvoice: (id) => ctx.data.recurringInvoices.rows.delete(id),
    deleteInvoiceLine: (invoiceId, lineId) => removeInvoiceLine(ctx, invoiceId, lineId),
    addStatus(status) {
      const id = status.id ?? ctx.data.statuses.next()
      ctx.data.statuses.rows.set(id, {
        id,
        name: status.name,
        shortname: status.name,
        type: 0,
        sequence: id,
        colour: '#888888'
      })
      return id
    },
    renameStatus(id, name) {
      const row = ctx.data.statuses.get(id)
      if (row) Object.assign(row, { name, shortname: name })
      return row !== undefined
    },
    removeStatus: (id) => ctx.data.statuses.rows.delete(id),
    setClosedStatus(id) {
      ctx.data.closedStatusId = id
    },
    setMandatoryFields(ticketTypeId, fields) {
      const type = ctx.data.ticketTypes.get(ticketTypeId)
      if (!type) return false
      const names = fields.map((f) => f.toLowerCase())
      type.fields = ticketTypeFields(ticketTypeId, names)
      ctx.data.mandatoryFields.set(ticketTypeId, names)
      return true
    },
    closeTicket: (ticketId, o = {}) =>
      setStatusAsTechnician(ctx, ticketId, o.statusId ?? ctx.data.closedStatusId, o.agentId) !== undefined,
    setTicketStatus: (ticketId, statusId, agentId) =>
      setStatusAsTechnician(ctx, ticketId, statusId, agentId) !== undefined,
    finishWebhook,
    createWebhook(w) {
      const id = ctx.data.webhooks.next()
      ctx.data.webhooks.rows.set(id, {
        id,
        name: w.name,
        url: w.url,
        content_type: 'application/json',
        basic_username: w.username,
        basic_password: w.password,
        active: true,
        disabled: false,
        events: []
      })
      finishWebhook(id, { ...(w.events ? { events: w.events } : {}), ...(w.payload ? { payload: w.payload } : {}) })
      return id
    },
    forbidOutcome(outcomeId) {
      ctx.data.forbiddenOutcomeIds.add(outcomeId)
    },
    revokeTokens: () => tokens.revokeAll(),
    issuedTokens: () => tokens.issued(),
    setQuirks(quirks) {
      ctx.quirks = { ...ctx.quirks, ...quirks }
    },
    setRateLimit(settings) {
      Object.assign(traffic.rateLimit, settings)
    },
    setBehaviour(behaviour) {
      Object.assign(ctx.behaviour, behaviour)
    },
    calls: traffic.calls
  }
}
