import type { Cause } from '../domain/metadata.js'
import { DomainError } from '../domain/errors.js'
import type { TicketingConfiguration } from '../domain/facts.js'
import { itemMappingProblems, type BillingConfigCommand, type BillingConfigState } from '../domain/billingConfig.js'
import type { TicketingConfigCommand, TicketingConfigState } from '../domain/ticketingConfig.js'
import { streams } from '../domain/streams.js'
import type { CommandHandler } from './commandHandler.js'
import type { ProjectionRunner } from './projectionRunner.js'

/**
 * Global billing (item mapping) and ticketing configuration. Changes are facts. A change that
 * names something HaloPSA does not have is refused with its problems listed (when HaloPSA can be
 * asked); when HaloPSA cannot be reached the change is recorded as unverified and the next
 * configuration check decides.
 */

export type Problem = { field: string; message: string }

export type ConfigurationChecks = {
  /** Items of an item mapping that HaloPSA does not have. */
  missingItems(itemIds: number[]): Promise<number[]>
  /** What in a ticketing configuration HaloPSA does not have. */
  ticketingProblems(config: TicketingConfiguration): Promise<{ problems: Problem[]; checked: string[] }>
}

const defaultTicketing: TicketingConfiguration = {
  ticketTypeId: 1,
  closedStatusName: 'Closed',
  autoCloseBlocked: false,
  modules: []
}

/** The stored ticketing configuration, or undefined before the first PUT (ticketing is then off). */
export const storedTicketingConfiguration =
  (ticketing: CommandHandler<TicketingConfigCommand, TicketingConfigState>) =>
  async (): Promise<TicketingConfiguration | undefined> =>
    (await ticketing.load(streams.ticketingConfig())).config

/** The global item mapping (usage counter → HaloPSA item). */
export const storedBillingItems =
  (billing: CommandHandler<BillingConfigCommand, BillingConfigState>) => async (): Promise<Record<string, number>> =>
    (await billing.load(streams.billingConfig())).items

export const createConfigurationService = (deps: {
  runner: ProjectionRunner
  billing: CommandHandler<BillingConfigCommand, BillingConfigState>
  ticketing: CommandHandler<TicketingConfigCommand, TicketingConfigState>
  checks?: ConfigurationChecks
}) => {
  const billingItems = storedBillingItems(deps.billing)
  const settle = async (position: bigint | null) => {
    if (position !== null) await deps.runner.waitForPosition(position)
  }

  return {
    async getBilling(): Promise<{ items: Record<string, number> }> {
      return { items: await billingItems() }
    },

    async putBilling(items: Record<string, number>, cause: Cause): Promise<{ items: Record<string, number> }> {
      const problems: Problem[] = itemMappingProblems(items)
      if (deps.checks) {
        for (const itemId of await deps.checks.missingItems([...new Set(Object.values(items))])) {
          problems.push({ field: `items`, message: `HaloPSA has no item ${itemId}` })
        }
      }
      if (problems.length > 0)
        throw new DomainError('invalid_configuration', problems.map((p) => p.message).join('; '), { problems })
      const result = await deps.billing.handle(
        streams.billingConfig(),
        { type: 'ConfigureBilling', data: { items } },
        cause
      )
      await settle(result.position)
      return { items }
    },

    async getTicketing(): Promise<TicketingConfiguration & { configured: boolean }> {
      const state = await deps.ticketing.load(streams.ticketingConfig())
      return { ...(state.config ?? defaultTicketing), configured: state.config !== undefined }
    },

    ticketingConfiguration: storedTicketingConfiguration(deps.ticketing),

    async putTicketing(config: TicketingConfiguration, cause: Cause): Promise<TicketingConfiguration> {
      let verified = false
      if (deps.checks) {
        try {
          const { problems } = await deps.checks.ticketingProblems(config)
          if (problems.length > 0)
            throw new DomainError('invalid_configuration', problems.map((p) => p.message).join('; '), { problems })
          verified = true
        } catch (error) {
          if (error instanceof DomainError) throw error
          // HaloPSA could not be asked: record the change unverified; the next check decides.
        }
      }
      const result = await deps.ticketing.handle(
        streams.ticketingConfig(),
        { type: 'ConfigureTicketing', data: { ...config, verified } },
        cause
      )
      await settle(result.position)
      return config
    }
  }
}
