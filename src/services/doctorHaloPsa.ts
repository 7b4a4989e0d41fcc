import { findWebhook, webhookGaps } from '../platforms/halopsa/webhookSetup.js'
import { isPlatformError } from '../platforms/transport/errors.js'
import type { DoctorContext } from './doctor.js'
import type { DoctorCheck, Finding } from './doctorReport.js'
import { pushEventTypes } from './pushService.js'

/**
 * The HaloPSA calls the relay makes, one row each, through the client's own methods (their zod
 * schemas decide what "the expected shape" is). Only GETs and the token request: nothing changes in
 * Halo. When a client method changes shape, its row is the one place to follow it.
 */

/**
 * A lookup by the id an earlier row found: skipped without one, a problem when Halo answers 404 for
 * something it has just listed.
 */
const one = <T>(row: {
  check: string
  call: string
  what: string
  id: (found: DoctorContext['found']) => number | undefined
  get: (context: DoctorContext, id: number) => Promise<T | null>
  describe: (record: T) => string | Finding
}): DoctorCheck<DoctorContext> => ({
  platform: 'halopsa',
  check: row.check,
  call: row.call,
  needs: ({ found }) => (row.id(found) === undefined ? `no ${row.what} to read` : undefined),
  run: async (context) => {
    const id = row.id(context.found)!
    const record = await row.get(context, id)
    return record ? row.describe(record) : { outcome: 'problem', detail: `${row.what} ${id} is listed but answers 404` }
  }
})

export const halopsaChecks: readonly DoctorCheck<DoctorContext>[] = [
  {
    platform: 'halopsa',
    check: 'token and tenant',
    call: 'POST /auth/token',
    gate: true,
    run: async ({ halopsa, haloTokenUrl }) => {
      // The first call fetches the token; a failure of the call itself is the next row's to report.
      await halopsa.clients.list({ pageSize: 1 }).catch((error: unknown) => {
        if (!isPlatformError(error) || error.call === 'POST /auth/token') throw error
      })
      return `token issued by ${haloTokenUrl}`
    }
  },
  {
    platform: 'halopsa',
    check: 'clients',
    call: 'GET /api/Client',
    run: async ({ halopsa, found }) => {
      const page = await halopsa.clients.list({ pageSize: 50, includeInactive: true })
      found.clientId = (page.records.find((c) => !c.inactive) ?? page.records[0])?.id
      return `${page.recordCount} clients`
    }
  },
  one({
    check: 'one client',
    call: 'GET /api/Client/{id}',
    what: 'client',
    id: (found) => found.clientId,
    get: ({ halopsa }, id) => halopsa.clients.get(id),
    describe: (client) => `${client.name}${client.inactive ? ' (inactive)' : ''}`
  }),
  {
    platform: 'halopsa',
    check: 'items',
    call: 'GET /api/Item',
    run: async ({ halopsa, found }) => {
      const page = await halopsa.items.list({ pageSize: 50 })
      found.itemId = page.records[0]?.id
      return `${page.recordCount} items`
    }
  },
  one({
    check: 'one item',
    call: 'GET /api/Item/{id}',
    what: 'item',
    id: (found) => found.itemId,
    get: ({ halopsa }, id) => halopsa.items.get(id),
    describe: (item) => item.name
  }),
  {
    platform: 'halopsa',
    check: 'recurring invoices',
    call: 'GET /api/RecurringInvoice',
    run: async ({ halopsa, found }) => {
      const invoices = await halopsa.recurringInvoices.all()
      found.invoiceId = invoices[0]?.id
      return `${invoices.length} recurring invoices`
    }
  },
  one({
    check: 'one recurring invoice',
    call: 'GET /api/RecurringInvoice/{id}',
    what: 'recurring invoice',
    id: (found) => found.invoiceId,
    get: ({ halopsa }, id) => halopsa.recurringInvoices.get(id),
    describe: (invoice) => `${invoice.clientName ?? `client ${invoice.clientId}`}: ${invoice.lines.length} lines`
  }),
  {
    platform: 'halopsa',
    check: 'ticket types',
    call: 'GET /api/TicketType',
    run: async ({ halopsa, found, ticketing }) => {
      const types = await halopsa.ticketTypes.list()
      found.ticketTypeId = (await ticketing())?.ticketTypeId ?? types[0]?.id
      return `${types.length} ticket types`
    }
  },
  {
    platform: 'halopsa',
    check: 'one ticket type',
    call: 'GET /api/TicketType/{id}',
    needs: ({ found }) => (found.ticketTypeId === undefined ? 'no ticket type to read' : undefined),
    run: async ({ halopsa, found }) => {
      found.ticketType = await halopsa.ticketTypes.get(found.ticketTypeId!)
      if (!found.ticketType) return { outcome: 'problem', detail: `HaloPSA has no ticket type ${found.ticketTypeId}` }
      // Halo publishes no mandatory flag on a ticket type's fields: a refusal naming one is reported when it happens.
      const { name, initialStatusId, defaultPriorityId } = found.ticketType
      return `${name}, initial status ${initialStatusId ?? 'none'}, default priority ${defaultPriorityId ?? 'none'}`
    }
  },
  {
    platform: 'halopsa',
    check: 'statuses',
    call: 'GET /api/Status',
    run: async ({ halopsa, found }) => {
      found.statuses = await halopsa.statuses.list()
      return `${found.statuses.length} statuses`
    }
  },
  {
    platform: 'halopsa',
    check: 'priorities',
    call: 'GET /api/Priority',
    run: async ({ halopsa, found }) => {
      // One Policy row per SLA and priority: the relay compares the `priorityid` each row carries.
      found.priorities = await halopsa.priorities.list()
      return `${found.priorities.length} priorities (${found.priorities.map((p) => p.id).join(', ')})`
    }
  },
  {
    platform: 'halopsa',
    check: 'tickets',
    call: 'GET /api/Tickets',
    needs: ({ found }) => (found.clientId === undefined ? 'no client whose tickets to read' : undefined),
    run: async ({ halopsa, found }) => {
      const tickets = await halopsa.tickets.list({ clientId: found.clientId!, openOnly: true })
      found.ticketId = tickets[0]?.id
      return `${tickets.length} open tickets of client ${found.clientId}`
    }
  },
  one({
    check: 'one ticket',
    call: 'GET /api/Tickets/{id}',
    what: 'open ticket',
    id: (found) => found.ticketId,
    // What the relay reads of its own tickets: whether one is closed comes from this call only.
    get: async ({ halopsa }, id) => {
      const state = await halopsa.tickets.state(id)
      return state.exists ? state : null
    },
    describe: ({ ticket, statusId, closed }): string | Finding => {
      const lacking = [
        ...(closed === 'unknown' ? ['hasbeenclosed'] : []),
        ...(ticket.thirdPartyIdString === undefined ? ['third_party_id_string'] : [])
      ]
      if (lacking.length === 0) return `ticket ${ticket.id}, status ${statusId}, ${closed ? 'closed' : 'open'}`
      return {
        outcome: 'warning',
        detail: `ticket ${ticket.id} answers without ${lacking.join(' and ')}`,
        hint: 'the relay then cannot tell a closed ticket, or find a ticket it created, from this answer alone'
      }
    }
  }),
  {
    platform: 'halopsa',
    check: 'webhook',
    call: 'GET /api/Webhook',
    run: async ({ halopsa, publicUrl, haloWebhookUser }): Promise<string | Finding> => {
      const webhooks = await halopsa.webhooks.list()
      if (!publicUrl)
        return {
          outcome: 'warning',
          detail: `${webhooks.length} webhooks; PUBLIC_URL is not set, so none is the relay's`
        }
      const url = `${publicUrl.replace(/\/+$/, '')}/webhooks/halopsa`
      const own = findWebhook(webhooks, url)
      if (!own)
        return {
          outcome: 'warning',
          detail: `no webhook posts to ${url}`,
          hint: 'the relay registers it when it starts; technician closes are seen by polling until then'
        }
      const events =
        own.events.length > 0 ? own.events.map((e) => e.name ?? `event ${e.eventNo}`).join(', ') : 'no events'
      const gaps = webhookGaps(own, haloWebhookUser !== undefined ? { username: haloWebhookUser } : {})
      return gaps.length === 0
        ? `${own.name ?? own.id}: ${events}`
        : {
            outcome: 'warning',
            detail: `${own.name ?? own.id} lacks ${gaps.join(', ')} (${events})`,
            hint: 'finish it in HaloPSA (docs/platforms/halopsa-webhook-setup.md); technician closes are seen by polling until then'
          }
    }
  },
  {
    platform: 'relay',
    check: 'ticketing configuration',
    call: 'event store',
    run: async ({ ticketing, found }): Promise<string | Finding> => {
      const config = await ticketing()
      if (config === null) return { outcome: 'skipped', detail: "the relay's event store is not available" }
      if (config === undefined) return { outcome: 'warning', detail: 'not configured: the relay opens no tickets' }
      const problems: string[] = []
      if (found.ticketType === null) problems.push(`ticket type ${config.ticketTypeId} does not exist`)
      if (
        config.priorityId !== undefined &&
        found.priorities &&
        !found.priorities.some((p) => p.id === config.priorityId)
      )
        problems.push(`priority ${config.priorityId} does not exist`)
      if (config.statusId !== undefined && found.statuses && !found.statuses.some((s) => s.id === config.statusId))
        problems.push(`status ${config.statusId} does not exist`)
      const closed = config.closedStatusName.trim().toLowerCase()
      if (
        config.autoCloseBlocked &&
        found.statuses &&
        !found.statuses.some((s) => s.name.trim().toLowerCase() === closed)
      )
        problems.push(`no status is named "${config.closedStatusName}"`)
      const unsubscribed = config.modules.filter((module) => pushEventTypes[module] !== true)
      if (problems.length > 0)
        return { outcome: 'problem', detail: problems.join('; '), hint: 'change it with PUT /api/config/ticketing' }
      if (unsubscribed.length > 0)
        return { outcome: 'warning', detail: `no push subscription brings ${unsubscribed.join(', ')} events` }
      return `ticket type ${config.ticketTypeId}, modules: ${config.modules.join(', ') || 'none'}`
    }
  }
]
