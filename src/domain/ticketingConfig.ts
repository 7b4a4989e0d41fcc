import type { Decider } from './decider.js'
import { domainFact, type DomainFact, type Fact, type FactData, type TicketingConfiguration } from './facts.js'
import type { TicketRules } from './ticketRules.js'

/** The ticketing configuration and whether HaloPSA last confirmed it; the ticket rules and their version. */

export type TicketingConfigState = {
  config?: TicketingConfiguration
  invalid: boolean
  /** Absent until the first change: the defaults apply (ticketRules.ts). */
  rules?: TicketRules & { verified: boolean; configuredAt: string }
  /** How many times the rules were changed. */
  rulesVersion: number
}

export type TicketingConfigCommand =
  | { type: 'ConfigureTicketing'; data: FactData<'TicketingConfigured'> }
  | { type: 'ConfigureTicketRules'; data: FactData<'TicketRulesConfigured'> }
  | {
      type: 'ObserveTicketingValidity'
      data: {
        valid: boolean
        problems: { field: string; message: string }[]
        checked: string[]
        mappingId?: string
        securityEventKey?: string
      }
    }

const initialTicketingConfig = (): TicketingConfigState => ({ invalid: false, rulesVersion: 0 })

const evolveTicketingConfig = (state: TicketingConfigState, fact: Fact): TicketingConfigState => {
  switch (fact.type) {
    case 'TicketingConfigured': {
      const { verified, ...config } = fact.data
      state.config = config
      if (verified) state.invalid = false
      break
    }
    case 'TicketRulesConfigured':
      state.rules = { ...fact.data, configuredAt: fact.recordedAt.toISOString() }
      state.rulesVersion++
      break
    case 'TicketingConfigInvalid':
      state.invalid = true
      break
    case 'TicketingConfigValid':
      state.invalid = false
      break
  }
  return state
}

const decideTicketingConfig = (command: TicketingConfigCommand, state: TicketingConfigState): DomainFact[] => {
  switch (command.type) {
    case 'ConfigureTicketing':
      return [domainFact('TicketingConfigured', command.data)]
    case 'ConfigureTicketRules':
      return [domainFact('TicketRulesConfigured', command.data)]
    case 'ObserveTicketingValidity': {
      const d = command.data
      if (d.valid) return state.invalid ? [domainFact('TicketingConfigValid', { checked: d.checked })] : []
      if (state.invalid) return []
      return [
        domainFact('TicketingConfigInvalid', {
          problems: d.problems,
          ...(d.mappingId !== undefined ? { mappingId: d.mappingId } : {}),
          ...(d.securityEventKey !== undefined ? { securityEventKey: d.securityEventKey } : {})
        })
      ]
    }
  }
}

export const ticketingConfig: Decider<TicketingConfigCommand, TicketingConfigState> = {
  initialState: initialTicketingConfig,
  evolve: evolveTicketingConfig,
  decide: decideTicketingConfig
}
