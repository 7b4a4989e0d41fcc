import type { Decider } from './decider.js'
import {
  domainFact,
  type DirectoryEntry,
  type DirectoryKind,
  type DomainFact,
  type Fact,
  type FactData,
  type Platform
} from './facts.js'

/**
 * A platform list the relay keeps a copy of (GravityZone companies, HaloPSA clients, items, ticket
 * types, statuses, priorities), one stream per list holding only what changed (`DirectoryChanged`).
 * The polls read these lists anyway; recording the changes as facts gives every relay instance the
 * same directory without asking the platforms per page view (docs/dashboard.md#platform-directories).
 */

/** Entries by `String(id)`. */
export type DirectoryList = Map<string, DirectoryEntry>

export type DirectoryCommand = {
  type: 'ObserveDirectory'
  data: { platform: Platform; kind: DirectoryKind; entries: readonly DirectoryEntry[] }
}

/** One fact stays well under EventStoreDB's 1 MiB append limit and the ~256 KB a fact may weigh. */
const CHUNK_BYTES = 200 * 1024
const CHUNK_ENTRIES = 2_000
const CHUNK_REMOVED = 10_000
/** Names longer than this are cut, so one entry cannot outweigh a chunk. */
export const NAME_MAX = 300

export const directoryKey = (id: string | number): string => String(id)

/** Folds one change into a list (the decider's fold and the projection's share it). */
export const applyDirectoryChange = (list: DirectoryList, data: FactData<'DirectoryChanged'>): DirectoryList => {
  for (const id of data.removed) list.delete(directoryKey(id))
  for (const entry of data.added) list.set(directoryKey(entry.id), entry)
  for (const entry of data.changed) list.set(directoryKey(entry.id), entry)
  return list
}

/** The entry as the directory keeps it: a bounded name, no flag that is false. */
export const directoryEntry = (entry: DirectoryEntry): DirectoryEntry => ({
  id: entry.id,
  name: entry.name.length > NAME_MAX ? entry.name.slice(0, NAME_MAX) : entry.name,
  ...(entry.inactive ? { inactive: true } : {}),
  ...(entry.partner ? { partner: true } : {}),
  ...(entry.suspended ? { suspended: true } : {})
})

const same = (a: DirectoryEntry, b: DirectoryEntry) =>
  a.name === b.name &&
  Boolean(a.inactive) === Boolean(b.inactive) &&
  Boolean(a.partner) === Boolean(b.partner) &&
  Boolean(a.suspended) === Boolean(b.suspended)

/**
 * The first chunk of what differs between the recorded list and the observed one; null when they
 * are the same. Deciding again after the chunk is folded gives the next one, so a first snapshot
 * of 20,000 clients becomes a handful of facts, each appended on its own.
 */
export const nextDirectoryChange = (
  recorded: DirectoryList,
  command: DirectoryCommand['data']
): FactData<'DirectoryChanged'> | null => {
  const seen = new Set<string>()
  const added: DirectoryEntry[] = []
  const changed: DirectoryEntry[] = []
  let bytes = 0
  let full = false
  for (const raw of command.entries) {
    const entry = directoryEntry(raw)
    const key = directoryKey(entry.id)
    if (seen.has(key)) continue
    seen.add(key)
    if (full) continue
    const before = recorded.get(key)
    if (before && same(before, entry)) continue
    ;(before ? changed : added).push(entry)
    bytes += JSON.stringify(entry).length + 1
    full = bytes >= CHUNK_BYTES || added.length + changed.length >= CHUNK_ENTRIES
  }
  const removed: (string | number)[] = []
  for (const entry of recorded.values()) {
    if (removed.length >= CHUNK_REMOVED) break
    if (!seen.has(directoryKey(entry.id))) removed.push(entry.id)
  }
  if (added.length === 0 && changed.length === 0 && removed.length === 0) return null
  return { platform: command.platform, kind: command.kind, added, removed, changed }
}

export const directoryDecider: Decider<DirectoryCommand, DirectoryList> = {
  initialState: () => new Map(),
  evolve: (state: DirectoryList, fact: Fact) =>
    fact.type === 'DirectoryChanged' ? applyDirectoryChange(state, fact.data) : state,
  decide(command, state): DomainFact[] {
    const change = nextDirectoryChange(state, command.data)
    return change ? [domainFact('DirectoryChanged', change)] : []
  }
}
