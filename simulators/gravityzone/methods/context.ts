import type { z } from 'zod'
import type { SimClock } from '../clock.js'
import type { PushSender } from '../pushSender.js'
import type { Tier } from '../rateLimits.js'
import { invalidParams } from '../rpcErrors.js'
import type { SimCompany, SimState } from '../state.js'

/** What every JSON-RPC method handler of the simulator can see. */

export type ApiKeyRecord = {
  key: string
  /** The company that owns the key: the root of everything the key can see. */
  companyId: string
  enabledApis: string[]
  createdAt: string
}

export type SimOptions = {
  /** Answer getMonthlyUsage with the misspelt `aLaCarteMonhtlyUsage` (some doc versions). */
  misspeltALaCarte: boolean
  /** Accept `http://` push URLs on loopback hosts (tests and the demo have no certificate). */
  allowHttpLoopbackPush: boolean
  /**
   * `on-premises`: the network methods whose on-premises pages require a service segment
   * (`network/computers`, BD-DOC 77212-128484) answer "Method not found" without one.
   */
  flavour: 'cloud' | 'on-premises'
}

export type SimContext = {
  state: SimState
  clock: SimClock
  senderFor(key: ApiKeyRecord): PushSender
  options: SimOptions
}

/** `service`: the optional segment after the API name (`network/computers`). */
export type CallContext = { sim: SimContext; key: ApiKeyRecord; version: string; service?: string }

export type MethodDef = {
  tier: Tier
  /** API versions the method exists in; v1.0 only when absent. */
  versions?: readonly string[]
  params: z.ZodType
  handler(ctx: CallContext, params: never): unknown
}

/** Keeps the params type of a handler tied to its schema. */
export const method = <S extends z.ZodType>(def: {
  tier: Tier
  versions?: readonly string[]
  params: S
  handler(ctx: CallContext, params: z.infer<S>): unknown
}): MethodDef => def as MethodDef

/**
 * The company a call is about: the key's own when absent; otherwise one inside the key's tree. A
 * deleted id or one outside the tree is "Invalid params" (undocumented for deleted companies:
 * docs/platforms/gravityzone.md#companies).
 */
export const scopedCompany = (ctx: CallContext, id: string | undefined, param = 'companyId'): SimCompany => {
  const company = ctx.sim.state.companies.get(id ?? ctx.key.companyId)
  if (!company || !ctx.sim.state.companies.isWithin(company.id, ctx.key.companyId))
    throw invalidParams(`Invalid value for '${param}'`)
  return company
}

/** Pages a list the GravityZone way (docs/platforms/gravityzone.md#pagination). */
export const paged = <T>(items: T[], page: number, perPage: number) => ({
  page,
  pagesCount: Math.max(1, Math.ceil(items.length / perPage)),
  perPage,
  total: items.length,
  items: items.slice((page - 1) * perPage, page * perPage)
})
