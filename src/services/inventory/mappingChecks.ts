import type { Cause } from '../../domain/metadata.js'
import type { Mapping, RegistryCommand, RegistryState } from '../../domain/mappingRegistry.js'
import type { HealthCommand, HealthState } from '../../domain/mappingHealth.js'
import { streams } from '../../domain/streams.js'
import type { GravityZoneClient } from '../../platforms/gravityzone/client.js'
import type { HaloPsaClient } from '../../platforms/halopsa/client.js'
import { isPlatformError } from '../../platforms/transport/errors.js'
import type { CommandHandler } from '../commandHandler.js'
import { count, lastPosition, newTally, type Tally } from './tally.js'

/**
 * Both sides of a mapping: is the GravityZone company still there, is the HaloPSA client still
 * there and active. An observation goes through the mapping-health decider, which appends only
 * transitions; a renamed company or client updates the names the events show.
 */

type SideSeen = { found: boolean; name?: string }
type ClientSeen = SideSeen & { inactive?: boolean }

export const createMappingChecks = (deps: {
  health: CommandHandler<HealthCommand, HealthState>
  registry: CommandHandler<RegistryCommand, RegistryState>
  gravityzone: GravityZoneClient
  halopsa: HaloPsaClient
}) => {
  /** `undefined` for a side that was not checked (its platform did not answer). */
  const observe = async (
    m: Mapping,
    company: SideSeen | undefined,
    client: ClientSeen | undefined,
    cause: Cause,
    tally: Tally
  ) =>
    count(
      tally,
      await deps.health.handle(
        streams.mappingHealth(m.id),
        {
          type: 'ObserveInventory',
          data: {
            mappingId: m.id,
            companyId: m.gravityzoneCompanyId,
            clientId: m.halopsaClientId,
            ...(company ? { company: { id: m.gravityzoneCompanyId, ...company } } : {}),
            ...(client ? { client: { id: m.halopsaClientId, ...client } } : {}),
            ...(m.gravityzoneCompanyName !== undefined ? { companyName: m.gravityzoneCompanyName } : {}),
            ...(m.halopsaClientName !== undefined ? { clientName: m.halopsaClientName } : {})
          }
        },
        cause
      )
    )

  /** Keeps the names the events show up to date when a company or client is renamed. */
  const refreshNames = async (
    m: Mapping,
    companyName: string | undefined,
    clientName: string | undefined,
    cause: Cause,
    tally: Tally
  ) => {
    const changes: { gravityzoneCompanyName?: string; halopsaClientName?: string } = {}
    if (companyName !== undefined && companyName !== m.gravityzoneCompanyName)
      changes.gravityzoneCompanyName = companyName
    if (clientName !== undefined && clientName !== m.halopsaClientName) changes.halopsaClientName = clientName
    if (Object.keys(changes).length === 0) return
    count(
      tally,
      await deps.registry.handle(
        streams.mappingRegistry(),
        { type: 'UpdateMapping', data: { mappingId: m.id, changes } },
        cause
      )
    )
  }

  return {
    observe,
    refreshNames,

    /** Both sides of one mapping, asked directly (Recheck of a mapping event, or a HaloPSA client notification). */
    async checkMapping(m: Mapping, cause: Cause): Promise<bigint | null> {
      const tally = newTally()
      const company = await deps.gravityzone.getCompanyDetails(m.gravityzoneCompanyId).then(
        (c) => ({ found: true, name: c.name }),
        (error) => {
          if (isPlatformError(error) && error.kind === 'not_found') return { found: false }
          throw error
        }
      )
      const client = await deps.halopsa.clients.get(m.halopsaClientId)
      await observe(
        m,
        company,
        {
          found: client !== null && !client.inactive,
          inactive: client?.inactive === true,
          ...(client ? { name: client.name } : {})
        },
        cause,
        tally
      )
      return lastPosition(tally)
    }
  }
}
