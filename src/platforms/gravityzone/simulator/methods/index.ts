import { z } from 'zod'
import { companiesMethods } from './companies.js'
import { method, type MethodDef } from './context.js'
import { licensingMethods } from './licensing.js'
import { networkMethods } from './network.js'
import { pushMethods } from './push.js'

/** The simulated APIs and their methods, by the `<api>` path segment (reference/gravityzone.md §1.1). */
export const apis: Record<string, Record<string, MethodDef>> = {
  general: {
    getApiKeyDetails: method({
      tier: 'general',
      params: z.strictObject({}),
      handler: (ctx) => ({ enabledApis: ctx.key.enabledApis, createdAt: ctx.key.createdAt })
    })
  },
  companies: companiesMethods,
  network: networkMethods,
  licensing: licensingMethods,
  push: pushMethods
}

/** Every API a key can be given (the checkboxes of My Account → API keys); `general` needs none. */
export const allApis = ['companies', 'licensing', 'network', 'push', 'accounts', 'packages', 'policies', 'reports', 'quarantine', 'incidents', 'integrations', 'maintenanceWindows'] as const

export type { ApiKeyRecord, CallContext, MethodDef, SimContext, SimOptions } from './context.js'
