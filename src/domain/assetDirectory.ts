import type { Decider } from './decider.js'
import { DomainError } from './errors.js'
import { domainFact, type DomainFact, type Fact } from './facts.js'
import {
  defaultAssetMatchingRule,
  sameRule,
  type AssetMatchingRule,
  type DirectoryAsset,
  type DirectoryEndpoint
} from './assets.js'

/**
 * One mapping's assets (stream `assets-<mappingId>`; docs/assets.md): the company's endpoints and
 * the client's HaloPSA assets as last read, the rule's matches, the operators' links and unlinks,
 * and the mapping's own rule. Reads append only what changed; a manual link or unlink wins over
 * the rule until it is cleared.
 */

export type AssetOverride = { haloAssetId: number } | { unlinked: true }

export type AssetDirectoryState = {
  companyId?: string
  clientId?: number
  endpoints: Map<string, DirectoryEndpoint>
  assets: Map<number, DirectoryAsset>
  ruleMatches: Map<string, number>
  overrides: Map<string, AssetOverride>
  /** The mapping's own rule; the global one applies without it. */
  rule?: AssetMatchingRule
}

type MappingScoped<T> = T & { mappingId: string }

export type AssetDirectoryCommand =
  | { type: 'ObserveEndpoints'; data: MappingScoped<{ companyId: string; endpoints: DirectoryEndpoint[] }> }
  | { type: 'ObserveAssets'; data: MappingScoped<{ clientId: number; assets: DirectoryAsset[] }> }
  | { type: 'RecordMatches'; data: MappingScoped<{ rule: AssetMatchingRule; matches: Map<string, number> }> }
  | { type: 'Link'; data: MappingScoped<{ endpointId: string; haloAssetId: number }> }
  | { type: 'Unlink'; data: MappingScoped<{ endpointId: string }> }
  | { type: 'ClearOverride'; data: MappingScoped<{ endpointId: string }> }
  | { type: 'SetRule'; data: MappingScoped<{ rule: AssetMatchingRule | null }> }

export const initialAssetDirectory = (): AssetDirectoryState => ({
  endpoints: new Map(),
  assets: new Map(),
  ruleMatches: new Map(),
  overrides: new Map()
})

/** A fact's data stays under this size: a big directory's first read spans several facts. */
const FACT_BUDGET = 200_000

/** Keys sorted at every level, so two reads of the same record compare equal whatever the key order. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v
  )

type Change<T, Id> = { added: T[]; changed: T[]; removed: Id[] }

const diff = <T extends { id: Id }, Id>(before: Map<Id, T>, now: T[]): Change<T, Id> => {
  const seen = new Set<Id>()
  const change: Change<T, Id> = { added: [], changed: [], removed: [] }
  for (const item of now) {
    if (seen.has(item.id)) continue
    seen.add(item.id)
    const old = before.get(item.id)
    if (!old) change.added.push(item)
    else if (canonical(old) !== canonical(item)) change.changed.push(item)
  }
  for (const id of before.keys()) if (!seen.has(id)) change.removed.push(id)
  return change
}

/** Splits lists into parts whose JSON stays under FACT_BUDGET; always at least one part. */
const parts = <L extends Record<string, unknown[]>>(lists: L): L[] => {
  const out: L[] = []
  const empty = () => Object.fromEntries(Object.keys(lists).map((k) => [k, []])) as unknown as L
  let current = empty()
  let size = 0
  for (const [key, items] of Object.entries(lists)) {
    for (const item of items) {
      const bytes = JSON.stringify(item).length + 1
      if (size + bytes > FACT_BUDGET && size > 0) {
        out.push(current)
        current = empty()
        size = 0
      }
      ;(current[key] as unknown[]).push(item)
      size += bytes
    }
  }
  out.push(current)
  return out
}

const changed = (c: { added: unknown[]; changed: unknown[]; removed: unknown[] }) =>
  c.added.length + c.changed.length + c.removed.length > 0

/** The asset an operator's link names, if it is still in the directory. */
const linkedAsset = (state: AssetDirectoryState, endpointId: string): number | undefined => {
  const o = state.overrides.get(endpointId)
  return o && 'haloAssetId' in o && state.assets.has(o.haloAssetId) ? o.haloAssetId : undefined
}

/** Assets the operators linked by hand: the rule gives them to no other endpoint. */
export const manuallyLinked = (state: AssetDirectoryState): Set<number> =>
  new Set([...state.overrides.keys()].map((e) => linkedAsset(state, e)).filter((a): a is number => a !== undefined))

export type Resolution = { haloAssetId?: number; matchedBy: 'rule' | 'manual' | 'none'; override?: 'link' | 'unlink' }

/** The asset an endpoint's tickets carry: a manual link, else nothing after an unlink, else the rule's match. */
export const resolveAsset = (state: AssetDirectoryState, endpointId: string): Resolution => {
  const o = state.overrides.get(endpointId)
  if (o && 'unlinked' in o) return { matchedBy: 'none', override: 'unlink' }
  if (o) {
    const linked = linkedAsset(state, endpointId)
    return linked !== undefined
      ? { haloAssetId: linked, matchedBy: 'manual', override: 'link' }
      : { matchedBy: 'none', override: 'link' }
  }
  const matched = state.ruleMatches.get(endpointId)
  return matched !== undefined && state.assets.has(matched)
    ? { haloAssetId: matched, matchedBy: 'rule' }
    : { matchedBy: 'none' }
}

export const effectiveRule = (state: AssetDirectoryState, global: AssetMatchingRule): AssetMatchingRule =>
  state.rule ?? global

export const evolveAssetDirectory = (state: AssetDirectoryState, fact: Fact): AssetDirectoryState => {
  switch (fact.type) {
    case 'EndpointsChanged': {
      const d = fact.data
      state.companyId = d.gravityzoneCompanyId
      for (const id of d.removed) state.endpoints.delete(id)
      for (const e of [...d.changed, ...d.added]) state.endpoints.set(e.id, e)
      break
    }
    case 'HaloAssetsChanged': {
      const d = fact.data
      state.clientId = d.halopsaClientId
      for (const id of d.removed) state.assets.delete(id)
      for (const a of [...d.changed, ...d.added]) state.assets.set(a.id, a)
      break
    }
    case 'AssetMatchesChanged':
      for (const m of fact.data.matched) state.ruleMatches.set(m.endpointId, m.haloAssetId)
      for (const id of fact.data.unmatched) state.ruleMatches.delete(id)
      break
    case 'AssetLinked':
      state.overrides.set(fact.data.endpointId, { haloAssetId: fact.data.haloAssetId })
      break
    case 'AssetUnlinked':
      state.overrides.set(fact.data.endpointId, { unlinked: true })
      break
    case 'AssetOverrideCleared':
      state.overrides.delete(fact.data.endpointId)
      break
    case 'MappingAssetMatchingSet':
      if (fact.data.rule) state.rule = fact.data.rule
      else delete state.rule
      break
  }
  return state
}

const recordMatches = (
  state: AssetDirectoryState,
  d: { mappingId: string; rule: AssetMatchingRule; matches: Map<string, number> }
): DomainFact[] => {
  const taken = manuallyLinked(state)
  const wanted = new Map(
    [...d.matches].filter(
      ([e, a]) => state.endpoints.has(e) && state.assets.has(a) && !state.overrides.has(e) && !taken.has(a)
    )
  )
  const matched = [...wanted]
    .filter(([e, a]) => state.ruleMatches.get(e) !== a)
    .map(([endpointId, haloAssetId]) => ({ endpointId, haloAssetId }))
  const unmatched = [...state.ruleMatches.keys()].filter((e) => !wanted.has(e))
  if (matched.length + unmatched.length === 0) return []
  return parts({ matched, unmatched }).map((p) =>
    domainFact('AssetMatchesChanged', { mappingId: d.mappingId, rule: d.rule, ...p })
  )
}

const requireEndpoint = (state: AssetDirectoryState, endpointId: string) => {
  if (!state.endpoints.has(endpointId))
    throw new DomainError('endpoint_not_found', `the mapping's company has no endpoint ${endpointId}`, { endpointId })
}

export const decideAssetDirectory = (command: AssetDirectoryCommand, state: AssetDirectoryState): DomainFact[] => {
  switch (command.type) {
    case 'ObserveEndpoints': {
      const { mappingId, companyId, endpoints } = command.data
      const change = diff(state.endpoints, endpoints)
      // The first read of a company is recorded even when it has no endpoint: it has been read.
      if (!changed(change) && state.companyId === companyId) return []
      return parts(change).map((p) =>
        domainFact('EndpointsChanged', { mappingId, gravityzoneCompanyId: companyId, ...p })
      )
    }
    case 'ObserveAssets': {
      const { mappingId, clientId, assets } = command.data
      const change = diff(state.assets, assets)
      if (!changed(change) && state.clientId === clientId) return []
      return parts(change).map((p) => domainFact('HaloAssetsChanged', { mappingId, halopsaClientId: clientId, ...p }))
    }
    case 'RecordMatches':
      return recordMatches(state, command.data)
    case 'Link': {
      const { mappingId, endpointId, haloAssetId } = command.data
      requireEndpoint(state, endpointId)
      if (!state.assets.has(haloAssetId))
        throw new DomainError('unknown_asset', `the mapping's HaloPSA client has no asset ${haloAssetId}`, {
          haloAssetId
        })
      const o = state.overrides.get(endpointId)
      if (o && 'haloAssetId' in o && o.haloAssetId === haloAssetId) return []
      return [domainFact('AssetLinked', { mappingId, endpointId, haloAssetId })]
    }
    case 'Unlink': {
      requireEndpoint(state, command.data.endpointId)
      const o = state.overrides.get(command.data.endpointId)
      return o && 'unlinked' in o ? [] : [domainFact('AssetUnlinked', command.data)]
    }
    case 'ClearOverride':
      requireEndpoint(state, command.data.endpointId)
      return state.overrides.has(command.data.endpointId) ? [domainFact('AssetOverrideCleared', command.data)] : []
    case 'SetRule': {
      const { mappingId, rule } = command.data
      const unchanged =
        rule === null ? state.rule === undefined : state.rule !== undefined && sameRule(state.rule, rule)
      return unchanged ? [] : [domainFact('MappingAssetMatchingSet', { mappingId, rule })]
    }
  }
}

export const assetDirectory: Decider<AssetDirectoryCommand, AssetDirectoryState> = {
  initialState: initialAssetDirectory,
  evolve: evolveAssetDirectory,
  decide: decideAssetDirectory
}

/** The global rule (stream `assetMatching-main`): the default until an operator sets one. */
export type AssetMatchingState = { rule: AssetMatchingRule }
export type AssetMatchingCommand = { type: 'Configure'; data: { rule: AssetMatchingRule } }

export const assetMatching: Decider<AssetMatchingCommand, AssetMatchingState> = {
  initialState: () => ({ rule: defaultAssetMatchingRule }),
  evolve: (state, fact) => {
    if (fact.type === 'AssetMatchingConfigured') state.rule = fact.data.rule
    return state
  },
  decide: (command, state) =>
    sameRule(state.rule, command.data.rule) ? [] : [domainFact('AssetMatchingConfigured', command.data)]
}
