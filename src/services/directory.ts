import { DomainError } from '../domain/errors.js'
import type { DirectoryEntry, DirectoryKind, Platform } from '../domain/facts.js'
import { directoryKey } from '../domain/directory.js'
import { timeSlices } from '../runtime/timeSlices.js'
import { suggestPairs } from '../domain/nameMatching.js'
import { directoryList, directoryProjection } from '../../projections/directory.js'
import { mappingsProjection } from '../../projections/mappings.js'
import type { ProjectionRunner } from './projectionRunner.js'

/**
 * The platform directories as the API pages through them (docs/dashboard.md#platform-directories):
 * read from the directory read model, which the polls keep up to date, so no page view asks a
 * platform anything. Lists are sorted by name; a cursor is the name and id of the last entry
 * shown, so a page never repeats or skips an entry when the list changes in between.
 */

export type DirectoryItem = DirectoryEntry & {
  /** Companies and clients: the mapping that uses it. */
  mappingId?: string
}

/** Longest run of name comparisons between two turns of the event loop. */
const SLICE_MS = 10

type ListQuery = { q?: string; unmapped?: boolean; limit?: number; cursor?: string }

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true })
const compare = (a: DirectoryEntry, b: DirectoryEntry) => {
  const byName = collator.compare(a.name, b.name)
  if (byName !== 0) return byName
  const [x, y] = [directoryKey(a.id), directoryKey(b.id)]
  return x < y ? -1 : x > y ? 1 : 0
}

const encodeCursor = (e: DirectoryEntry): string => Buffer.from(JSON.stringify([e.name, e.id])).toString('base64url')
const decodeCursor = (cursor: string): DirectoryEntry => {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      (typeof value[1] === 'string' || typeof value[1] === 'number')
    )
      return { name: value[0], id: value[1] }
  } catch {
    // Refused below, like any other cursor this API did not issue.
  }
  throw new DomainError('invalid_cursor', 'the cursor is not one this API issued')
}

export const createDirectoryService = (deps: { runner: ProjectionRunner }) => {
  const sorted = new Map<string, { version: number; entries: DirectoryEntry[] }>()
  /** A list sorted by name, sorted again only after it changed. */
  const sortedList = (platform: Platform, kind: DirectoryKind): DirectoryEntry[] => {
    const list = directoryList(deps.runner.state(directoryProjection), platform, kind)
    const key = `${platform}/${kind}`
    const cached = sorted.get(key)
    if (cached && cached.version === list.version) return cached.entries
    const entries = [...list.entries.values()].sort(compare)
    sorted.set(key, { version: list.version, entries })
    return entries
  }

  /** Which mapping uses a company or client, by its id. */
  const mappedBy = (platform: Platform, kind: DirectoryKind): ((id: string | number) => string | undefined) => {
    const registry = deps.runner.state(mappingsProjection)
    if (platform === 'gravityzone' && kind === 'companies') return (id) => registry.byCompany.get(String(id))
    if (platform === 'halopsa' && kind === 'clients')
      return (id) => (typeof id === 'number' ? registry.byClient.get(id) : undefined)
    return () => undefined
  }

  /** Not mapped, and mappable: an inactive client cannot be mapped. */
  const mappable = (entry: DirectoryEntry, mappingId: string | undefined) => mappingId === undefined && !entry.inactive

  return {
    list(
      platform: Platform,
      kind: DirectoryKind,
      query: ListQuery
    ): { items: DirectoryItem[]; nextCursor: string | null } {
      const limit = Math.min(Math.max(query.limit ?? 50, 1), 500)
      const entries = sortedList(platform, kind)
      const mapped = mappedBy(platform, kind)
      const q = query.q?.trim().toLocaleLowerCase() ?? ''
      let start = 0
      if (query.cursor !== undefined) {
        const after = decodeCursor(query.cursor)
        // The first entry after the cursor's place (binary search: the list is sorted).
        let lo = 0
        let hi = entries.length
        while (lo < hi) {
          const mid = (lo + hi) >>> 1
          if (compare(entries[mid]!, after) <= 0) lo = mid + 1
          else hi = mid
        }
        start = lo
      }
      const items: DirectoryItem[] = []
      let more = false
      for (let i = start; i < entries.length; i++) {
        const entry = entries[i]!
        if (q && !entry.name.toLocaleLowerCase().includes(q)) continue
        const mappingId = mapped(entry.id)
        if (query.unmapped && !mappable(entry, mappingId)) continue
        if (items.length === limit) {
          more = true
          break
        }
        items.push(mappingId !== undefined ? { ...entry, mappingId } : entry)
      }
      return { items, nextCursor: more ? encodeCursor(items.at(-1)!) : null }
    },

    /** Unmapped companies paired with unmapped active clients by name, best first. */
    async suggestions(query: { limit?: number; minConfidence?: number } = {}) {
      const limit = Math.min(Math.max(query.limit ?? 200, 1), 2_000)
      const companiesMapped = mappedBy('gravityzone', 'companies')
      const clientsMapped = mappedBy('halopsa', 'clients')
      const companies = sortedList('gravityzone', 'companies').filter((e) => mappable(e, companiesMapped(e.id)))
      const clients = sortedList('halopsa', 'clients').filter(
        (e): e is DirectoryEntry & { id: number } => typeof e.id === 'number' && mappable(e, clientsMapped(e.id))
      )
      // 2,000 × 2,000 names take about a second: in slices, between other requests.
      const pairs = await suggestPairs(companies, clients, {
        minConfidence: query.minConfidence ?? 0.5,
        pace: timeSlices(SLICE_MS)
      })
      return {
        items: pairs.slice(0, limit).map((p) => ({
          gravityzoneCompany: { id: String(p.company.id), name: p.company.name },
          halopsaClient: { id: p.client.id, name: p.client.name },
          confidence: p.confidence,
          exact: p.exact
        })),
        nextCursor: null
      }
    }
  }
}

export type DirectoryService = ReturnType<typeof createDirectoryService>
