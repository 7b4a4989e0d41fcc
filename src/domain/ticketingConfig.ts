import type { Decider } from './decider.js'
import { domainFact, type DomainFact, type Fact, type FactData, type TicketingConfiguration } from './facts.js'

/** The ticketing configuration and whether HaloPSA last confirmed it. */

export type TicketingConfigState = { config?: TicketingConfiguration; invalid: boolean }

export type TicketingConfigCommand =
  | { type: 'ConfigureTicketing'; data: FactData<'TicketingConfigured'> }
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

const initialTicketingConfig = (): TicketingConfigState => ({ invalid: false })

const evolveTicketingConfig = (state: TicketingConfigState, fact: Fact): TicketingConfigState => {
  switch (fact.type) {
    case 'TicketingConfigured': {
      const { verified, ...config } = fact.data
      state.config = config
      if (verified) state.invalid = false
      break
    }
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
