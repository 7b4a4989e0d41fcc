import { demoCustomers, demoEndpoint, demoPartner } from '../kit/demoSeed.js'
import { previousUsageMonth, usageMonth } from '../../src/platforms/gravityzone/usage.js'
import type { SimClock } from './clock.js'
import { fakeId } from './events/context.js'
import type { SimState } from './state.js'

/**
 * `--seed demo`: the shared fictional MSP (kit/demoSeed.ts) as a GravityZone tenant — the
 * partner company owning the key, one customer company per GravityZone-side customer with its
 * endpoints, and usage for the current and the previous month. Package counters overlap the
 * endpoint counter (every endpoint also counts under its MSP package tier), as live tenants do.
 */

export const demoRoot = { id: demoPartner.companyId, name: demoPartner.name }

const tiers = ['mspSecureMonthlyUsage', 'mspSecurePlusMonthlyUsage', 'mspSecureExtraMonthlyUsage'] as const

/** Usage of one customer for a month: endpoints active that month, add-ons on some customers. */
const customerUsage = (i: number, endpoints: number): Record<string, number> => ({
  endpointMonthlyUsage: endpoints,
  [tiers[i % tiers.length]!]: endpoints,
  ...(i % 3 === 0 ? { edrMonthlyUsage: endpoints } : {}),
  ...(i % 4 === 1 ? { patchManagementMonthlyUsage: Math.ceil(endpoints / 2) } : {}),
  ...(i % 5 === 2 ? { emailSecurityMonthlyUsage: endpoints + 3 } : {})
})

export const seedDemo = (state: SimState, clock: SimClock): void => {
  const month = usageMonth(clock.now())
  const lastMonth = previousUsageMonth(month)
  // The partner's own machines (its office), counted under its own company.
  for (let n = 1; n <= 3; n++)
    state.endpoints.add(
      { id: fakeId('endpoint', demoRoot.id, n), companyId: demoRoot.id, name: `NW-MSP-${String(n).padStart(2, '0')}` },
      { silent: true }
    )
  state.usage.set(demoRoot.id, month, { endpointMonthlyUsage: 3, mspSecurePlusMonthlyUsage: 3 })
  state.usage.set(demoRoot.id, lastMonth, { endpointMonthlyUsage: 3, mspSecurePlusMonthlyUsage: 3 })

  demoCustomers.forEach((customer, i) => {
    if (customer.on === 'halopsa') return
    state.companies.create({
      id: customer.companyId,
      name: customer.name,
      type: 1,
      parentId: demoRoot.id,
      licenseType: 3
    })
    for (let n = 1; n <= customer.endpoints; n++) {
      const endpoint = demoEndpoint(customer, n)
      state.endpoints.add(
        {
          id: fakeId('endpoint', customer.companyId, n),
          companyId: customer.companyId,
          name: endpoint.name,
          macs: [endpoint.mac],
          ...(n === 1 ? { os: 'Windows Server 2022' } : {})
        },
        { silent: true }
      )
    }
    state.usage.set(customer.companyId, month, customerUsage(i, customer.endpoints))
    // Last month a few machines fewer on some customers: billing must use the month it asks for.
    state.usage.set(customer.companyId, lastMonth, customerUsage(i, Math.max(1, customer.endpoints - (i % 3))))
    state.usage.setLicence(customer.companyId, {
      subscriptionType: 3,
      ...(i % 4 === 0 ? { minimumUsage: { endpointMonthlyUsage: Math.max(5, customer.endpoints - 2) } } : {})
    })
  })
}
