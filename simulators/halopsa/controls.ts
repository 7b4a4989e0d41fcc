import type { SimBehaviour, SimContext, Quirks } from './context.js'
import type { TokenStore } from './auth.js'
import { seedData, type SeedName } from './seed.js'
import { changeClient, removeClient } from './routes/customers.js'
import { removeInvoiceLine } from './routes/invoices.js'
import { setStatusAsTechnician } from './routes/tickets.js'
import type { CallLog, RateLimitSettings } from './traffic.js'
import type { SimData } from './state.js'

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
  /** The API agent may no longer use this outcome. */
  forbidOutcome(outcomeId: number): void
  revokeTokens(): number
  /** Tokens issued so far, for leak checks. */
  issuedTokens(): string[]
  setQuirks(quirks: Partial<Quirks>): void
  setRateLimit(settings: Partial<RateLimitSettings>): void
  setBehaviour(
    behaviour: Partial<
      Pick<SimBehaviour, 'clientEvents' | 'ticketEvents' | 'clientDelete' | 'unknownIdStatus' | 'ticketPageSize'>
    >
  ): void
  calls: CallLog
}

export const createControls = (
  ctx: SimContext,
  tokens: TokenStore,
  traffic: { calls: CallLog; rateLimit: RateLimitSettings }
): HaloPsaSimState => ({
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
    if (type)
      type.fields = fields.map((fieldname, i) => ({ id: i + 1, fieldname: fieldname.toLowerCase(), mandatory: true }))
    return type !== undefined
  },
  closeTicket: (ticketId, o = {}) =>
    setStatusAsTechnician(ctx, ticketId, o.statusId ?? ctx.data.closedStatusId, o.agentId) !== undefined,
  setTicketStatus: (ticketId, statusId, agentId) =>
    setStatusAsTechnician(ctx, ticketId, statusId, agentId) !== undefined,
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
})
