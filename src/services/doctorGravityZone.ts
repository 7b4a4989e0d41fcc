import type { DoctorContext } from './doctor.js'
import type { DoctorCheck, Finding } from './doctorReport.js'
import { pushEventTypes } from './pushService.js'

/**
 * The GravityZone calls the relay makes, in the order a run makes them (docs/doctor.md). Each row
 * reads; none changes the tenant (no setter, no test push).
 */

/** The APIs the relay calls: network (lists, endpoints), companies, licensing (usage), push. */
const neededApis = ['network', 'companies', 'licensing', 'push']

const warning = (detail: string, hint?: string): Finding => ({ outcome: 'warning', detail, ...(hint ? { hint } : {}) })

export const gravityzoneChecks: readonly DoctorCheck<DoctorContext>[] = [
  {
    platform: 'gravityzone',
    check: 'API key',
    call: 'general.getApiKeyDetails',
    gate: true,
    run: async ({ gravityzone }) => {
      const { enabledApis } = await gravityzone.getApiKeyDetails()
      const missing = neededApis.filter((api) => !enabledApis.includes(api))
      if (missing.length === 0) return `APIs enabled: ${enabledApis.join(', ')}`
      return {
        outcome: 'problem',
        detail: `the key lacks the ${missing.join(', ')} API${missing.length > 1 ? 's' : ''}`,
        hint: 'tick them for this key under My Account → API keys in GravityZone Control Center'
      }
    }
  },
  {
    platform: 'gravityzone',
    check: 'companies (one level)',
    call: 'network.getCompaniesList',
    run: async ({ gravityzone, found }) => {
      const companies = await gravityzone.getCompaniesList()
      found.companyId ??= companies[0]?.id
      return `${companies.length} companies directly under the key's company`
    }
  },
  {
    platform: 'gravityzone',
    check: 'companies (inventory)',
    call: 'network.getNetworkInventoryItems',
    run: async ({ gravityzone, found }) => {
      const first = await gravityzone.getNetworkInventoryItems({
        filters: { type: { companies: true }, depth: { allItemsRecursively: true } },
        page: 1,
        perPage: 100
      })
      found.companyId ??= first.items[0]?.id
      return `${first.total} companies in the inventory the relay syncs`
    }
  },
  {
    platform: 'gravityzone',
    check: 'one company',
    call: 'companies.getCompanyDetails',
    run: async ({ gravityzone, found }) => {
      const company = await gravityzone.getCompanyDetails(found.companyId)
      found.companyId ??= company.id
      const kind = company.type === 0 ? 'partner' : 'customer'
      return `${company.name} (${kind}${company.isSuspended ? ', suspended' : ''})`
    }
  },
  {
    platform: 'gravityzone',
    check: 'monthly usage',
    call: 'licensing.getMonthlyUsage',
    run: async ({ gravityzone, found, lastMonth }) => {
      const usage = await gravityzone.getMonthlyUsage({
        ...(found.companyId !== undefined ? { companyId: found.companyId } : {}),
        targetMonth: lastMonth
      })
      const counters = Object.keys(usage.counters).length
      return `${lastMonth}: ${counters} counters, endpointMonthlyUsage ${usage.counters.endpointMonthlyUsage ?? 0}`
    }
  },
  {
    platform: 'gravityzone',
    check: 'one endpoint',
    call: 'network.getManagedEndpointDetails',
    run: async ({ gravityzone, found }) => {
      // Only to find an id: the relay itself never lists endpoints.
      const listed = await gravityzone
        .getEndpointsList({ ...(found.companyId !== undefined ? { parentId: found.companyId } : {}), perPage: 1 })
        .catch(() => undefined)
      const endpoint = listed?.items.find((e) => e.isManaged !== false) ?? listed?.items[0]
      if (!endpoint) return { outcome: 'skipped', detail: 'no endpoint found to look up' }
      const details = await gravityzone.getManagedEndpointDetails(endpoint.id)
      return `${details.name} belongs to company ${details.companyId}`
    }
  },
  {
    platform: 'gravityzone',
    check: 'push settings',
    call: 'push.getPushEventSettings',
    run: async ({ gravityzone, publicUrl }) => {
      const settings = await gravityzone.getPushEventSettings()
      const url = settings.serviceSettings?.url ?? null
      const expected = publicUrl ? `${publicUrl.replace(/\/+$/, '')}/webhooks/gravityzone` : undefined
      if (settings.status !== 1)
        return warning(
          `the push service is off${url ? ` (last URL ${url})` : ''}`,
          'the relay turns it on when PUBLIC_URL is set; GravityZone turns it off after 100 failed deliveries'
        )
      if (expected && url !== expected) return warning(`pushes go to ${url}, not to ${expected}`)
      const subscribed = settings.subscribeToEventTypes ?? {}
      const missing = Object.keys(pushEventTypes).filter((type) => subscribed[type] !== true)
      if (missing.length > 0) return warning(`on, to ${url}; not subscribed: ${missing.join(', ')}`)
      return `on, to ${url}, ${Object.keys(subscribed).length} event types`
    }
  },
  {
    platform: 'gravityzone',
    check: 'push statistics',
    call: 'push.getPushEventStats',
    run: async ({ gravityzone }) => {
      const { count, lastUpdateTime } = await gravityzone.getPushEventStats()
      const since = lastUpdateTime ? ` (updated ${lastUpdateTime})` : ''
      return `${count.events} events, ${count.sentMessages} sent, ${count.errorMessages} failed${since}`
    }
  }
]
