import type { Cause } from '../../domain/metadata.js'
import type { FactData, TicketingConfiguration } from '../../domain/facts.js'
import type { Mapping } from '../../domain/mappingRegistry.js'
import type { TicketCommand, TicketState } from '../../domain/ticket.js'
import type { TicketingConfigCommand, TicketingConfigState } from '../../domain/ticketingConfig.js'
import type { RuleEvent, TicketRules } from '../../domain/ticketRules.js'
import type { HaloPsaClient } from '../../platforms/halopsa/client.js'
import type { Logger } from '../../logger.js'
import type { CommandHandler } from '../commandHandler.js'
import type { Retries } from './retries.js'
import type { StatusLookups } from './statuses.js'
import type { TicketAssetContext } from '../assets.js'

/** What the parts of the ticketing service share (ticketing.ts builds it once). */
export type TicketingContext = {
  halopsa: HaloPsaClient
  ticketingConfig: CommandHandler<TicketingConfigCommand, TicketingConfigState>
  /** Decides `command` on the threat's stream `ticket-<threatKey>`. */
  record(threatKey: string, command: TicketCommand, cause: Cause): Promise<{ position: bigint | null }>
  load(threatKey: string): Promise<TicketState>
  retries: Retries
  statuses: StatusLookups
  /** The asset a new ticket carries and what it says about the endpoint (docs/assets.md#tickets). */
  assets?: { assetFor(mappingId: string, endpointId: string | undefined): TicketAssetContext }
  logger?: Logger
}

/** One security event on its way to HaloPSA, with everything the rules and the calls need. */
export type TicketWork = {
  data: FactData<'SecurityEventReceived'>
  event: RuleEvent
  mapping: Mapping
  config: TicketingConfiguration
  rules: TicketRules
  cause: Cause
}

export const eventAtOf = (work: TicketWork): string => new Date(work.event.at).toISOString()
