import type { DashboardRelay } from './relay.js'
import {
  bothGone,
  clientGone,
  companyGone,
  createMapping,
  customer,
  globalItemGone,
  invoiceGone,
  ticketCloseFailed,
  ticketCreateFailed,
  ticketingRefused,
  type SeededMapping
} from './seed.js'

/**
 * A realistic Events page: a dozen mappings of the demo MSP's customers and every one of the eight
 * event types active at least once, as an operator would find them on a bad Monday.
 */
export const seedDemoEvents = async (ctx: DashboardRelay): Promise<{ mappings: SeededMapping[] }> => {
  const put = await ctx.api('PUT', '/api/config/billing', {
    items: { endpointMonthlyUsage: 12, edrMonthlyUsage: 13, patchManagementMonthlyUsage: 14 }
  })
  if (put.status !== 200) throw new Error(`configuring billing answered ${put.status}`)
  const mappings: SeededMapping[] = []
  for (let i = 0; i < 14; i++)
    mappings.push(await createMapping(ctx, customer(i), { billing: i % 5 !== 4, ticketing: i % 3 !== 2 }))
  const [acme, birchwood, cobalt, dunmore, , fenwick, greystone, harbour, , juniper, kestrel, larkspur] = mappings as [
    SeededMapping,
    SeededMapping,
    SeededMapping,
    SeededMapping,
    SeededMapping,
    SeededMapping,
    SeededMapping,
    SeededMapping,
    SeededMapping,
    SeededMapping,
    SeededMapping,
    SeededMapping
  ]
  await companyGone(ctx, birchwood)
  await clientGone(ctx, cobalt)
  await bothGone(ctx, dunmore)
  await invoiceGone(ctx, fenwick)
  await invoiceGone(ctx, greystone)
  await globalItemGone(ctx, 14, ['patchManagementMonthlyUsage'])
  await ticketCreateFailed(ctx, harbour)
  await ticketCreateFailed(ctx, juniper)
  await ticketingRefused(ctx, kestrel)
  await ticketCloseFailed(ctx, larkspur, 1042)
  // One already handled, so "closed" and "all" have something to show.
  const handled = await ticketCloseFailed(ctx, acme, 1017)
  await ctx.api('POST', `/api/events/${handled}/acknowledge`)
  return { mappings }
}
