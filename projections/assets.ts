import type { StoredFact } from '../src/store/port.js'
import type { Fact } from '../src/domain/facts.js'
import { defaultAssetMatchingRule, type AssetMatchingRule } from '../src/domain/assets.js'
import { evolveAssetDirectory, initialAssetDirectory, type AssetDirectoryState } from '../src/domain/assetDirectory.js'
import type { Projection } from './projection.js'

/**
 * Every mapping's asset directory, matches and manual links (the same fold the `assets-<mappingId>`
 * decider uses), and the global matching rule: what the Assets tab lists and what a new ticket
 * carries (docs/assets.md).
 *
 * Snapshots: bump VERSION when the state's shape or what evolve derives changes (here or in
 * evolveAssetDirectory), so that snapshots of the old shape are ignored (projections/projection.ts).
 */
const VERSION = 1

export type AssetsState = { rule: AssetMatchingRule; byMapping: Map<string, AssetDirectoryState> }

const directoryTypes = new Set([
  'EndpointsChanged',
  'HaloAssetsChanged',
  'AssetMatchesChanged',
  'AssetLinked',
  'AssetUnlinked',
  'AssetOverrideCleared',
  'MappingAssetMatchingSet'
])

const evolveAssets = (state: AssetsState, fact: StoredFact & Fact): AssetsState => {
  if (fact.type === 'AssetMatchingConfigured') {
    state.rule = fact.data.rule
    return state
  }
  if (fact.type === 'MappingDeleted') {
    state.byMapping.delete(fact.data.mappingId)
    return state
  }
  if (!directoryTypes.has(fact.type)) return state
  const mappingId = (fact.data as { mappingId: string }).mappingId
  let directory = state.byMapping.get(mappingId)
  if (!directory) state.byMapping.set(mappingId, (directory = initialAssetDirectory()))
  evolveAssetDirectory(directory, fact)
  return state
}

export const assetsProjection: Projection<AssetsState> = {
  name: 'assets',
  version: VERSION,
  initialState: () => ({ rule: defaultAssetMatchingRule, byMapping: new Map() }),
  evolve: evolveAssets,
  bodiesFor: [...directoryTypes, 'AssetMatchingConfigured', 'MappingDeleted']
}
