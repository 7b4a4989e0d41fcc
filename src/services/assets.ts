import type { Cause } from '../domain/metadata.js'
import { DomainError } from '../domain/errors.js'
import { assetName, matching, type AssetMatchingRule, type DirectoryEndpoint } from '../domain/assets.js'
import {
  effectiveRule,
  initialAssetDirectory,
  manuallyLinked,
  resolveAsset,
  type AssetDirectoryCommand,
  type AssetDirectoryState,
  type AssetMatchingCommand,
  type AssetMatchingState
} from '../domain/assetDirectory.js'
import type { Mapping } from '../domain/mappingRegistry.js'
import { streams } from '../domain/streams.js'
import { mappingsProjection } from '../../projections/mappings.js'
import { assetsProjection } from '../../projections/assets.js'
import type { CommandHandler } from './commandHandler.js'
import type { ProjectionRunner } from './projectionRunner.js'
import { count, type Tally } from './inventory/tally.js'
import { assetRows, endpointItem, endpointRows, pageOf, type DirectoryView } from './assets/views.js'

/**
 * Asset mappings (docs/assets.md): the matching rule (global, and per mapping), operators' links
 * and unlinks, the Assets tab's lists, and the asset a ticket carries. Everything here reads the
 * asset read model and writes facts; the directory itself is read by the inventory poll
 * (assets/poll.ts), which calls `rematch` after a change.
 */

/** What a new ticket says about its endpoint and carries (ticketing.ts, securityEventText.ts). */
export type TicketAssetContext = {
  endpoint?: DirectoryEndpoint
  asset?: { id: number; name: string; inventoryNumber?: string }
  /** The endpoint's page in GravityZone's console, when GZ_ENDPOINT_URL says how to build it. */
  endpointUrl?: string
}

type ListQuery = {
  status: 'all' | 'matched' | 'unmatched'
  search?: string | undefined
  limit: number
  cursor?: string | undefined
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

export const createAssets = (deps: {
  runner: ProjectionRunner
  handlers: {
    assets: CommandHandler<AssetDirectoryCommand, AssetDirectoryState>
    assetMatching: CommandHandler<AssetMatchingCommand, AssetMatchingState>
  }
  /** GZ_ENDPOINT_URL: a URL with `{endpointId}` (and optionally `{companyId}`) in it. */
  endpointUrl?: string
}) => {
  const { runner, handlers } = deps
  const read = () => runner.state(assetsProjection)

  const mappingOf = (id: string): Mapping => {
    const m = runner.state(mappingsProjection).mappings.get(id)
    if (!m) throw new DomainError('mapping_not_found', `no mapping has id ${id}`, { mappingId: id })
    return m
  }

  /** The mapping's directory; a side last read for another company or client counts as not read yet. */
  const view = (m: Mapping): DirectoryView => {
    const state = read().byMapping.get(m.id) ?? initialAssetDirectory()
    return {
      state,
      endpoints: state.companyId === m.gravityzoneCompanyId ? [...state.endpoints.values()] : [],
      assets: state.clientId === m.halopsaClientId ? state.assets : new Map()
    }
  }

  const settle = async (positions: (bigint | null)[]) => {
    const last = positions.filter((p): p is bigint => p !== null).reduce((a, b) => (a > b ? a : b), -1n)
    if (last >= 0n) await runner.waitForPosition(last)
  }

  /** Matches the mapping's directory again with its rule; appends only what changed. */
  const rematch = async (mappingId: string, cause: Cause, tally?: Tally) => {
    const stream = streams.assets(mappingId)
    const state = await handlers.assets.load(stream)
    const rule = effectiveRule(state, read().rule)
    const steps = matching([...state.endpoints.values()], [...state.assets.values()], rule, {
      skipEndpoints: new Set(state.overrides.keys()),
      excludeAssets: manuallyLinked(state)
    })
    let step = steps.next()
    // Contains mode compares every endpoint with every asset: other work goes on in between.
    while (!step.done) {
      await tick()
      step = steps.next()
    }
    const result = await handlers.assets.handle(
      stream,
      { type: 'RecordMatches', data: { mappingId, rule, matches: step.value } },
      cause
    )
    if (tally) count(tally, result)
    return result.position
  }

  /** An operator's decision on one endpoint, then the rule again (a linked asset is no longer the rule's to give). */
  const decideFor = async (
    mappingId: string,
    endpointId: string,
    command: (m: Mapping) => AssetDirectoryCommand,
    cause: Cause
  ) => {
    const m = mappingOf(mappingId)
    if (!view(m).endpoints.some((e) => e.id === endpointId))
      throw new DomainError('endpoint_not_found', `the mapping's company has no endpoint ${endpointId}`, {
        endpointId
      })
    const result = await handlers.assets.handle(streams.assets(mappingId), command(m), cause)
    await settle([result.position, await rematch(mappingId, cause)])
    const e = view(m).endpoints.find((x) => x.id === endpointId)!
    return endpointItem(view(m), e)
  }

  const ruleOf = (mappingId: string) => {
    const own = read().byMapping.get(mappingId)?.rule
    return { ...(own ?? read().rule), source: own ? ('mapping' as const) : ('global' as const) }
  }

  return {
    rematch,

    list(mappingId: string, query: ListQuery) {
      const m = mappingOf(mappingId)
      const v = view(m)
      const all = endpointRows(v, { status: 'all' }).map((r) => r.row)
      const matched = all.filter((i) => i.haloAssetId !== undefined).length
      return {
        ...pageOf(endpointRows(v, query), query),
        counts: { endpoints: all.length, matched, unmatched: all.length - matched, assets: v.assets.size },
        rule: ruleOf(mappingId)
      }
    },

    haloAssets(mappingId: string, query: { search?: string | undefined; limit: number; cursor?: string | undefined }) {
      return pageOf(assetRows(view(mappingOf(mappingId)), query.search), query)
    },

    link: (mappingId: string, endpointId: string, haloAssetId: number, cause: Cause) =>
      decideFor(
        mappingId,
        endpointId,
        (m) => {
          if (!view(m).assets.has(haloAssetId))
            throw new DomainError('unknown_asset', `the mapping's HaloPSA client has no asset ${haloAssetId}`, {
              haloAssetId
            })
          return { type: 'Link', data: { mappingId, endpointId, haloAssetId } }
        },
        cause
      ),

    unlink: (mappingId: string, endpointId: string, cause: Cause) =>
      decideFor(mappingId, endpointId, () => ({ type: 'Unlink', data: { mappingId, endpointId } }), cause),

    useRule: (mappingId: string, endpointId: string, cause: Cause) =>
      decideFor(mappingId, endpointId, () => ({ type: 'ClearOverride', data: { mappingId, endpointId } }), cause),

    globalRule: () => read().rule,

    /** Sets the global rule and matches every mapping that follows it again. */
    async putGlobalRule(rule: AssetMatchingRule, cause: Cause) {
      const result = await handlers.assetMatching.handle(
        streams.assetMatching(),
        { type: 'Configure', data: { rule } },
        cause
      )
      await settle([result.position])
      if (result.position !== null) {
        const positions: (bigint | null)[] = []
        for (const [mappingId, directory] of read().byMapping)
          if (!directory.rule && runner.state(mappingsProjection).mappings.has(mappingId))
            positions.push(await rematch(mappingId, cause))
        await settle(positions)
      }
      return read().rule
    },

    mappingRule(mappingId: string) {
      mappingOf(mappingId)
      return ruleOf(mappingId)
    },

    /** The mapping's own rule (null: back to the global one), then its matches again. */
    async putMappingRule(mappingId: string, rule: AssetMatchingRule | null, cause: Cause) {
      mappingOf(mappingId)
      const result = await handlers.assets.handle(
        streams.assets(mappingId),
        { type: 'SetRule', data: { mappingId, rule } },
        cause
      )
      await settle([result.position, await rematch(mappingId, cause)])
      return ruleOf(mappingId)
    },

    /** The asset a new ticket for this endpoint carries, and what the ticket says about the endpoint. */
    assetFor(mappingId: string, endpointId: string | undefined): TicketAssetContext {
      const m = runner.state(mappingsProjection).mappings.get(mappingId)
      if (!m || endpointId === undefined) return {}
      const state = read().byMapping.get(m.id) ?? initialAssetDirectory()
      const endpoint = state.companyId === m.gravityzoneCompanyId ? state.endpoints.get(endpointId) : undefined
      const resolved = endpoint ? resolveAsset(state, endpointId) : { haloAssetId: undefined }
      const asset =
        resolved.haloAssetId !== undefined && state.clientId === m.halopsaClientId
          ? state.assets.get(resolved.haloAssetId)
          : undefined
      const url = deps.endpointUrl
        ?.replaceAll('{endpointId}', encodeURIComponent(endpointId))
        .replaceAll('{companyId}', encodeURIComponent(m.gravityzoneCompanyId))
      return {
        ...(endpoint ? { endpoint } : {}),
        ...(asset
          ? {
              asset: {
                id: asset.id,
                name: assetName(asset),
                ...(asset.inventoryNumber !== undefined ? { inventoryNumber: asset.inventoryNumber } : {})
              }
            }
          : {}),
        ...(url !== undefined ? { endpointUrl: url } : {})
      }
    }
  }
}

export type Assets = ReturnType<typeof createAssets>
