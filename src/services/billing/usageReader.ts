import type { GravityZoneClient } from '../../platforms/gravityzone/client.js'
import type { MonthlyUsage } from '../../platforms/gravityzone/usage.js'

/**
 * GravityZone's monthly usage, one getMonthlyUsage per company and month, paced by the client's
 * licensing limiter (5 requests a second on the real platform). Reads for a preview or a
 * reconciliation may share an answer up to `ttlMs` old, so the dashboard's side-by-side preview and
 * reconciliation, or a preview followed by a reconciliation, ask GravityZone once per company; a
 * billing run always reads afresh (and refreshes what the others see). Two reads of the same
 * company and month at once share one call.
 */

type Entry = { at: number; usage: Promise<MonthlyUsage> }

export type UsageReader = {
  read(companyId: string, month: string, options?: { fresh?: boolean }): Promise<MonthlyUsage>
}

export const createUsageReader = (deps: {
  gravityzone: Pick<GravityZoneClient, 'getMonthlyUsage'>
  now?: () => number
  ttlMs?: number
  /** Entries kept at most (the oldest go first). */
  maxEntries?: number
}): UsageReader => {
  const now = deps.now ?? Date.now
  const ttlMs = deps.ttlMs ?? 10 * 60_000
  const maxEntries = deps.maxEntries ?? 50_000
  const entries = new Map<string, Entry>()

  return {
    read(companyId, month, options = {}) {
      const key = `${companyId}|${month}`
      const cached = entries.get(key)
      if (!options.fresh && cached && now() - cached.at < ttlMs) return cached.usage
      const usage = deps.gravityzone.getMonthlyUsage({ companyId, targetMonth: month })
      const entry = { at: now(), usage }
      entries.delete(key)
      entries.set(key, entry)
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string)
      // A failed read is not kept: the next one asks again.
      usage.catch(() => {
        if (entries.get(key) === entry) entries.delete(key)
      })
      return usage
    }
  }
}
