import type { Platform } from '../domain/facts.js'
import type { Cause } from '../domain/metadata.js'
import type { IntegrationEvent } from '../../projections/integrationEvents.js'
import { mappingsProjection } from '../../projections/mappings.js'
import type { ProjectionRunner } from './projectionRunner.js'
import type { Inventory } from './inventory.js'

/**
 * The check behind "Recheck" for each event type that supports it
 * (docs/integration-events.md#recheck). Facts the check appends carry the recheck as their cause,
 * which is how the projection knows the recheck closed the event. Returns the position of the last
 * fact appended, for read-your-writes.
 */
export const createRecheck =
  (deps: {
    runner: ProjectionRunner
    inventory: Inventory
    /** platform-unreachable: a light call to the platform (platformHealth.ts). */
    platforms?: { recheck(platform: Platform, cause: Cause): Promise<{ position: bigint | null; message?: string }> }
  }) =>
  async (event: IntegrationEvent, cause: Cause): Promise<{ position: bigint | null; message?: string }> => {
    const mappingId = event.subject.mappingId
    const mapping = mappingId !== undefined ? deps.runner.state(mappingsProjection).mappings.get(mappingId) : undefined
    switch (event.type) {
      case 'gravityzone-company-not-found':
      case 'company-and-client-not-found':
      case 'halopsa-client-not-found':
        if (!mapping) throw new Error(`mapping ${mappingId} no longer exists`)
        return { position: await deps.inventory.checkMapping(mapping, cause) }
      case 'recurring-invoice-missing':
        if (!mapping) throw new Error(`mapping ${mappingId} no longer exists`)
        return { position: await deps.inventory.checkInvoice(mapping, cause) }
      case 'halopsa-item-missing':
        return { position: await deps.inventory.checkItem(event.subject.itemId!, mappingId, cause) }
      case 'invalid-ticketing-configuration': {
        const result = await deps.inventory.checkTicketingConfiguration(cause)
        return {
          position: result.position,
          ...(result.valid
            ? {}
            : { message: 'the ticketing configuration still refers to things HaloPSA does not have' })
        }
      }
      case 'platform-unreachable':
        if (!deps.platforms || !event.subject.platform) throw new Error('the platform connections are not configured')
        return deps.platforms.recheck(event.subject.platform, cause)
      default:
        throw new Error(`${event.type} events cannot be rechecked`)
    }
  }
