import type { Decider } from './decider.js'
import { domainFact, type DomainFact, type Fact, type FactData } from './facts.js'

/** Global billing: the item mapping (usage counter → HaloPSA item) and which of its items are missing. */

export type BillingConfigState = { items: Record<string, number>; missingItems: Set<number> }

export type BillingConfigCommand =
  | { type: 'ConfigureBilling'; data: FactData<'BillingConfigured'> }
  | { type: 'ObserveGlobalItems'; data: { present: number[]; missing: { itemId: number; counters: string[] }[] } }

export const initialBillingConfig = (): BillingConfigState => ({ items: {}, missingItems: new Set() })

export const evolveBillingConfig = (state: BillingConfigState, fact: Fact): BillingConfigState => {
  switch (fact.type) {
    case 'BillingConfigured':
      state.items = fact.data.items
      break
    case 'ItemMissing':
      state.missingItems.add(fact.data.itemId)
      break
    case 'ItemFound':
      state.missingItems.delete(fact.data.itemId)
      break
  }
  return state
}

const decideBillingConfig = (command: BillingConfigCommand, state: BillingConfigState): DomainFact[] => {
  switch (command.type) {
    case 'ConfigureBilling':
      if (JSON.stringify(command.data.items) === JSON.stringify(state.items)) return []
      return [domainFact('BillingConfigured', command.data)]
    case 'ObserveGlobalItems': {
      const facts: DomainFact[] = []
      for (const itemId of command.data.present) {
        if (state.missingItems.has(itemId)) facts.push(domainFact('ItemFound', { itemId, scope: 'global' }))
      }
      for (const { itemId, counters } of command.data.missing) {
        if (!state.missingItems.has(itemId))
          facts.push(domainFact('ItemMissing', { itemId, scope: 'global', counters }))
      }
      return facts
    }
  }
}

export const billingConfig: Decider<BillingConfigCommand, BillingConfigState> = {
  initialState: initialBillingConfig,
  evolve: evolveBillingConfig,
  decide: decideBillingConfig
}

/**
 * Counters that overlap: every endpoint is also counted under its MSP package tier
 * (docs/platforms/gravityzone.md#monthly-usage), so billing both would bill the same endpoint
 * twice.
 */
const overlappingCounterGroups: readonly (readonly string[])[] = [
  [
    'endpointMonthlyUsage',
    'aLaCarteMonthlyUsage',
    'aLaCarteMonhtlyUsage',
    'mspSecureMonthlyUsage',
    'mspSecurePlusMonthlyUsage',
    'mspSecureExtraMonthlyUsage',
    'mspSecureEssentialsMonthlyUsage'
  ]
]

/** Problems with an item mapping that would double-bill; empty when it is fine. */
export const itemMappingProblems = (items: Record<string, number>): { field: string; message: string }[] => {
  const problems: { field: string; message: string }[] = []
  for (const group of overlappingCounterGroups) {
    const used = Object.keys(items).filter((counter) => group.includes(counter))
    if (used.length > 1) {
      problems.push({
        field: 'items',
        message: `counters ${used.join(', ')} count the same endpoints; map only one of them`
      })
    }
  }
  return problems
}
