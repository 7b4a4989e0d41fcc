import { newId } from '../../../src/domain/ids.js'
import { streams } from '../../../src/domain/streams.js'
import type { Cause } from '../../../src/domain/metadata.js'
import { demoCustomers, type DemoCustomer } from '../../../simulators/kit/demoSeed.js'
import type { DashboardRelay } from './relay.js'

/**
 * Raises integration events the way the relay does: mappings through the API, then what the
 * inventory checks, billing and ticketing would observe, through the relay's command handlers (or,
 * for ticket failures, appended to a `ticket-…` stream as the ticketing service records them).
 * Each helper waits until the read models have the fact and answers the raised event's id.
 */

export type SeededMapping = { id: string; customer: DemoCustomer }

const scheduler: Cause = { actor: 'scheduler', correlationId: 'web-test-poll' }

/** Demo customers present on both platforms, by index (0 = Acme Dental Group). */
export const customer = (index: number): DemoCustomer => {
  const both = demoCustomers.filter((c) => c.on === 'both')
  const found = both[index]
  if (!found) throw new Error(`the demo seed has no customer #${index} on both platforms`)
  return found
}

export const createMapping = async (
  ctx: DashboardRelay,
  c: DemoCustomer,
  options: { billing?: boolean; ticketing?: boolean; items?: Record<string, number> } = {}
): Promise<SeededMapping> => {
  const response = await ctx.api<{ id: string }>('POST', '/api/mappings', {
    gravityzoneCompanyId: c.companyId,
    halopsaClientId: c.clientId,
    billing: { enabled: options.billing ?? true, ...(options.items ? { items: options.items } : {}) },
    ticketing: { enabled: options.ticketing ?? true }
  })
  if (response.status !== 201)
    throw new Error(`creating the mapping for ${c.name} answered ${response.status}: ${JSON.stringify(response.body)}`)
  return { id: response.body.id, customer: c }
}

const settle = async (
  ctx: DashboardRelay,
  result: { position: bigint | null; facts: { id: string }[] }
): Promise<string> => {
  if (result.position === null || !result.facts[0])
    throw new Error('the observation appended nothing: no event was raised')
  await ctx.relay.runner.waitForPosition(result.position)
  return result.facts[0].id
}

const observeInventory = (ctx: DashboardRelay, m: SeededMapping, company: boolean, client: boolean) =>
  ctx.relay.handlers.health
    .handle(
      streams.mappingHealth(m.id),
      {
        type: 'ObserveInventory',
        data: {
          mappingId: m.id,
          companyId: m.customer.companyId,
          clientId: m.customer.clientId,
          companyName: m.customer.name,
          clientName: m.customer.name,
          company: { id: m.customer.companyId, found: company },
          client: { id: m.customer.clientId, found: client }
        }
      },
      scheduler
    )
    .then((r) => settle(ctx, r))

/** gravityzone-company-not-found (Recheck). */
export const companyGone = (ctx: DashboardRelay, m: SeededMapping) => observeInventory(ctx, m, false, true)
/** halopsa-client-not-found (Resolve). */
export const clientGone = (ctx: DashboardRelay, m: SeededMapping) => observeInventory(ctx, m, true, false)
/** company-and-client-not-found (Resolve). */
export const bothGone = (ctx: DashboardRelay, m: SeededMapping) => observeInventory(ctx, m, false, false)

/** recurring-invoice-missing (Recheck); the mapping's billing must be on. */
export const invoiceGone = (ctx: DashboardRelay, m: SeededMapping) =>
  ctx.relay.handlers.health
    .handle(
      streams.mappingHealth(m.id),
      {
        type: 'ObserveInvoice',
        data: {
          mappingId: m.id,
          clientId: m.customer.clientId,
          clientName: m.customer.name,
          found: false,
          recurringInvoiceId: -(4000 + m.customer.clientId)
        }
      },
      scheduler
    )
    .then((r) => settle(ctx, r))

/** halopsa-item-missing for the global item mapping (Recheck); the item must be in it. */
export const globalItemGone = (ctx: DashboardRelay, itemId: number, counters: string[]) =>
  ctx.relay.handlers.billingConfig
    .handle(
      streams.billingConfig(),
      { type: 'ObserveGlobalItems', data: { present: [], missing: [{ itemId, counters }] } },
      scheduler
    )
    .then((r) => settle(ctx, r))

/** invalid-ticketing-configuration (Recheck). */
export const ticketingRefused = (ctx: DashboardRelay, m: SeededMapping) =>
  ctx.relay.handlers.ticketingConfig
    .handle(
      streams.ticketingConfig(),
      {
        type: 'ObserveTicketingValidity',
        data: {
          valid: false,
          problems: [{ field: 'ticketTypeId', message: 'HaloPSA has no ticket type 31' }],
          checked: ['ticketTypeId'],
          mappingId: m.id,
          securityEventKey: `sec-${m.id}`
        }
      },
      scheduler
    )
    .then((r) => settle(ctx, r))

const appendTicketFact = async (
  ctx: DashboardRelay,
  threatKey: string,
  type: string,
  data: unknown
): Promise<string> => {
  const id = newId()
  const { position } = await ctx.relay.store.append(streams.ticket(threatKey), [
    {
      id,
      type,
      data,
      metadata: {
        correlationId: `corr-${threatKey}`,
        causationId: `sec-${threatKey}`,
        actor: 'relay',
        recordedAt: new Date().toISOString()
      }
    }
  ])
  await ctx.relay.runner.waitForPosition(position)
  return id
}

/** ticket-creation-failed (OK): HaloPSA kept refusing the ticket for a threat. */
export const ticketCreateFailed = (
  ctx: DashboardRelay,
  m: SeededMapping,
  threatKey = `threat-${m.customer.clientId}-${newId().slice(-6)}`
) =>
  appendTicketFact(ctx, threatKey, 'TicketCreateFailed', {
    mappingId: m.id,
    halopsaClientId: m.customer.clientId,
    threatKey,
    securityEventKey: `sec-${threatKey}`,
    cause: 'transient',
    status: 503,
    message: 'HaloPSA answered 503 Service Unavailable',
    attempts: 5
  })

/** ticket-closure-failed (OK): auto-close found no "Closed" status. */
export const ticketCloseFailed = (ctx: DashboardRelay, m: SeededMapping, ticketId: number) => {
  const threatKey = `threat-${m.customer.clientId}-${ticketId}`
  return appendTicketFact(ctx, threatKey, 'TicketCloseFailed', {
    mappingId: m.id,
    halopsaClientId: m.customer.clientId,
    ticketId,
    threatKey,
    message: 'HaloPSA has no ticket status named "Closed"'
  })
}

/**
 * A security event from GravityZone (Trojan.Agent on WS-11, Antimalware) as the push webhook
 * records it, then ticket-creation-failed for it: the event's detail finds the one from the other.
 */
export const threatTicketFailed = async (ctx: DashboardRelay, m: SeededMapping) => {
  const threatKey = `threat-${m.customer.clientId}-${newId().slice(-6)}`
  const { position } = await ctx.relay.store.append(streams.gzDelivery(`web-${threatKey}`), [
    {
      id: newId(),
      type: 'SecurityEventReceived',
      data: {
        deliveryId: `web-${threatKey}`,
        index: 0,
        eventKey: `sec-${threatKey}`,
        threatKey,
        module: 'av',
        companyId: m.customer.companyId,
        endpointName: 'WS-11',
        threatName: 'Trojan.Agent',
        blocked: false,
        isTest: false,
        occurredAt: '2026-03-02T09:15:00.000Z',
        event: { module: 'av' }
      },
      metadata: {
        correlationId: `corr-${threatKey}`,
        causationId: `web-${threatKey}`,
        actor: 'gravityzone',
        recordedAt: new Date().toISOString()
      }
    }
  ])
  await ctx.relay.runner.waitForPosition(position)
  return ticketCreateFailed(ctx, m, threatKey)
}
