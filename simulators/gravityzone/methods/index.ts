import { z } from 'zod'
import { companiesMethods } from './companies.js'
import { method, type MethodDef } from './context.js'
import { methodNotFound } from '../rpcErrors.js'
import { licensingMethods } from './licensing.js'
import { networkMethods } from './network.js'
import { pushMethods } from './push.js'

/**
 * The simulated APIs and their methods, by the `<api>` path segment
 * (docs/platforms/gravityzone.md#transport-and-authentication).
 */
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
export const allApis = [
  'companies',
  'licensing',
  'network',
  'push',
  'accounts',
  'packages',
  'policies',
  'reports',
  'quarantine',
  'incidents',
  'integrations',
  'maintenanceWindows'
] as const

/**
 * The method an `<api>` path and a JSON-RPC method name reach in a version; -32601 otherwise (a
 * method exists in v1.0 unless it declares its versions, like getNetworkInventoryItems' v1.1).
 */
export const lookupMethod = (api: string, name: string, version: string): MethodDef => {
  // Own properties only: `toString` or `constructor` must not reach Object.prototype.
  const methods = Object.hasOwn(apis, api) ? apis[api] : undefined
  if (!methods) throw methodNotFound(`Unknown API '${api}'.`)
  const def = Object.hasOwn(methods, name) ? methods[name] : undefined
  if (!def || !(def.versions ?? ['v1.0']).includes(version))
    throw methodNotFound(`Method '${name}' not found in ${api} ${version}.`)
  return def
}

export type { ApiKeyRecord, CallContext, MethodDef, SimContext, SimOptions } from './context.js'
