import type { StoredFact } from '../src/store/port.js'
import type { DirectoryKind, Fact, Platform } from '../src/domain/facts.js'
import { applyDirectoryChange, type DirectoryList } from '../src/domain/directory.js'
import type { Projection } from './projection.js'

/**
 * The platform directories (GravityZone companies; HaloPSA clients, items, ticket types, statuses,
 * priorities) as the polls last read them, folded from `DirectoryChanged` with the directory
 * decider's own fold. `version` counts the changes of each list, so a reader can keep a sorted copy
 * until the list changes.
 */

export type DirectoryListState = { entries: DirectoryList; version: number }
export type DirectoryState = { lists: Map<string, DirectoryListState> }

export const directoryListKey = (platform: Platform, kind: DirectoryKind): string => `${platform}/${kind}`

const evolveDirectory = (state: DirectoryState, fact: StoredFact & Fact): DirectoryState => {
  if (fact.type !== 'DirectoryChanged') return state
  const key = directoryListKey(fact.data.platform, fact.data.kind)
  let list = state.lists.get(key)
  if (!list) state.lists.set(key, (list = { entries: new Map(), version: 0 }))
  applyDirectoryChange(list.entries, fact.data)
  list.version++
  return state
}

/** Bump when the state's shape or what evolve derives changes: older snapshots are then ignored. */
const VERSION = 1

export const directoryProjection: Projection<DirectoryState> = {
  name: 'directory',
  version: VERSION,
  initialState: () => ({ lists: new Map() }),
  evolve: evolveDirectory,
  bodiesFor: ['DirectoryChanged']
}

/** One list (empty before the first poll recorded it). */
export const directoryList = (state: DirectoryState, platform: Platform, kind: DirectoryKind): DirectoryListState =>
  state.lists.get(directoryListKey(platform, kind)) ?? { entries: new Map(), version: 0 }
