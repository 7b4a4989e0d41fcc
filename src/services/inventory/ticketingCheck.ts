import type { Cause } from '../../domain/metadata.js'
import type { TicketingConfiguration } from '../../domain/facts.js'
import type { TicketingConfigCommand, TicketingConfigState } from '../../domain/ticketingConfig.js'
import { streams } from '../../domain/streams.js'
import type { HaloPsaClient } from '../../platforms/halopsa/client.js'
import type { HaloPriority, HaloStatus, HaloTicketType } from '../../platforms/halopsa/schemas.js'
import { securityModules } from '../../platforms/gravityzone/modules.js'
import type { CommandHandler } from '../commandHandler.js'
import type { Problem } from '../configuration.js'
import { count, lastPosition, newTally, type Tally } from './tally.js'

/**
 * The ticketing configuration against HaloPSA: the ticket type exists and asks for no field the
 * relay does not fill, the priority and status exist, the closed status can be found by name
 * when auto-close is on, and the modules are GravityZone security modules.
 */

/** Lists a poll has read already; one it could not read is undefined. */
type Lookups = {
  ticketTypes?: HaloTicketType[] | undefined
  statuses?: HaloStatus[] | undefined
  priorities?: HaloPriority[] | undefined
}

export const createTicketingCheck = (deps: {
  halopsa: HaloPsaClient
  ticketingConfig: CommandHandler<TicketingConfigCommand, TicketingConfigState>
  ticketingConfiguration(): Promise<TicketingConfiguration | undefined>
}) => {
  /**
   * What in a ticketing configuration HaloPSA does not have (also used when the configuration is
   * changed). A poll passes the lists it has just read (readLookups), so they are not asked twice.
   */
  const ticketingProblems = async (
    config: TicketingConfiguration,
    read: Lookups = {}
  ): Promise<{ problems: Problem[]; checked: string[] }> => {
    const problems: Problem[] = []
    const checked = ['ticketTypeId']
    const type = await deps.halopsa.ticketTypes.get(config.ticketTypeId)
    // Halo publishes no mandatory flag on a ticket type's fields: a refusal naming one raises the event instead.
    if (!type) problems.push({ field: 'ticketTypeId', message: `HaloPSA has no ticket type ${config.ticketTypeId}` })
    if (config.priorityId !== undefined) {
      checked.push('priorityId')
      const priorities = read.priorities ?? (await deps.halopsa.priorities.list())
      if (!priorities.some((p) => p.id === config.priorityId))
        problems.push({ field: 'priorityId', message: `HaloPSA has no priority ${config.priorityId}` })
    }
    const statuses =
      config.statusId !== undefined || config.autoCloseBlocked
        ? (read.statuses ?? (await deps.halopsa.statuses.list()))
        : []
    if (config.statusId !== undefined) {
      checked.push('statusId')
      if (!statuses.some((s) => s.id === config.statusId))
        problems.push({ field: 'statusId', message: `HaloPSA has no status ${config.statusId}` })
    }
    if (config.autoCloseBlocked) {
      checked.push('closedStatusName')
      if (!statuses.some((s) => s.name.trim().toLowerCase() === config.closedStatusName.trim().toLowerCase())) {
        problems.push({
          field: 'closedStatusName',
          message: `HaloPSA has no ticket status named "${config.closedStatusName}" (needed to close tickets for blocked threats)`
        })
      }
    }
    const unknownModules = config.modules.filter((m) => !(securityModules as readonly string[]).includes(m))
    if (unknownModules.length > 0)
      problems.push({ field: 'modules', message: `not GravityZone security modules: ${unknownModules.join(', ')}` })
    return { problems, checked }
  }

  /** Checks the stored configuration and records whether it is valid (only a change appends). */
  const checkTicketingConfiguration = async (cause: Cause, tally: Tally = newTally(), read: Lookups = {}) => {
    const config = await deps.ticketingConfiguration()
    if (!config) return { valid: true, checked: false, position: null as bigint | null }
    const { problems, checked } = await ticketingProblems(config, read)
    count(
      tally,
      await deps.ticketingConfig.handle(
        streams.ticketingConfig(),
        { type: 'ObserveTicketingValidity', data: { valid: problems.length === 0, problems, checked } },
        cause
      )
    )
    return { valid: problems.length === 0, checked: true, position: lastPosition(tally) }
  }

  /**
   * The three lists a ticketing configuration names, read by the poll whether or not ticketing is
   * configured yet (the dashboard's pickers offer them); each on its own, so one refused list does
   * not hide the others.
   */
  const readLookups = async (attempt: <T>(what: string, work: () => Promise<T>) => Promise<T | undefined>) => ({
    ticketTypes: await attempt('HaloPSA ticket types', () => deps.halopsa.ticketTypes.list()),
    statuses: await attempt('HaloPSA statuses', () => deps.halopsa.statuses.list()),
    priorities: await attempt('HaloPSA priorities', () => deps.halopsa.priorities.list())
  })

  return { ticketingProblems, checkTicketingConfiguration, readLookups }
}
