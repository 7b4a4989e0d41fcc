import type { TicketingConfiguration } from '../../domain/facts.js'
import type { TicketRules } from '../../domain/ticketRules.js'
import type { HaloPsaClient } from '../../platforms/halopsa/client.js'
import type { HaloTicketTypeDetail } from '../../platforms/halopsa/schemas.js'
import type { Clock } from '../../platforms/transport/clock.js'

/**
 * The HaloPSA statuses ticketing sets, looked up and trusted for `cacheMs`: the closed status by
 * name (auto-close, a technician's close by status) and the status a re-opened ticket gets
 * (docs/platforms/halopsa.md#tickets-and-actions).
 */
export const createStatusLookups = (deps: { halopsa: HaloPsaClient; clock: Clock; cacheMs: number }) => {
  const { clock } = deps
  let statusCache: { at: number; statuses: { id: number; name: string }[] } | undefined
  const typeCache = new Map<number, { at: number; type: HaloTicketTypeDetail | null }>()
  const fresh = (entry: { at: number } | undefined) => entry !== undefined && clock.now() - entry.at <= deps.cacheMs

  const closedStatusId = async (name: string, reload = false): Promise<number | undefined> => {
    if (reload || !fresh(statusCache)) statusCache = { at: clock.now(), statuses: await deps.halopsa.statuses.list() }
    return statusCache!.statuses.find((s) => s.name.trim().toLowerCase() === name.trim().toLowerCase())?.id
  }

  const ticketType = async (id: number): Promise<HaloTicketTypeDetail | null> => {
    const cached = typeCache.get(id)
    if (cached && fresh(cached)) return cached.type
    const type = await deps.halopsa.ticketTypes.get(id)
    typeCache.set(id, { at: clock.now(), type })
    return type
  }

  return {
    closedStatusId,
    /**
     * The rules' status, else the ticket type's own status for re-opened tickets (`reopenedstatus`),
     * else the configured status of new tickets, else the ticket type's initial status.
     */
    async reopenStatusId(rules: TicketRules, config: TicketingConfiguration): Promise<number | undefined> {
      if (rules.reopen.statusId !== undefined) return rules.reopen.statusId
      const type = await ticketType(config.ticketTypeId)
      return type?.reopenedStatusId ?? config.statusId ?? type?.initialStatusId ?? undefined
    }
  }
}

export type StatusLookups = ReturnType<typeof createStatusLookups>
