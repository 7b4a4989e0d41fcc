import type { Decider } from './decider.js'
import { domainFact, type DomainFact, type Fact, type FactData } from './facts.js'

/**
 * One mapping's billing for one month (stream `usage-<mappingId>_<yyyy-mm>`): what was last put on
 * the recurring invoice, or why it was skipped. Billing the same usage again, or skipping for the
 * same reason again, appends nothing: a run is idempotent per mapping and month.
 */
export type UsageState = { billed?: string; skipped?: string }

export type UsageCommand =
  { type: 'RecordBilled'; data: FactData<'UsageBilled'> } | { type: 'RecordSkipped'; data: FactData<'BillingSkipped'> }

const linesKey = (lines: FactData<'UsageBilled'>['lines']) =>
  JSON.stringify(lines.map((l) => [l.counter, l.itemId, l.quantity]))
const skipKey = (d: FactData<'BillingSkipped'>) => `${d.reason}:${d.detail ?? ''}`

export const usageDecider: Decider<UsageCommand, UsageState> = {
  initialState: () => ({}),
  evolve: (state: UsageState, fact: Fact): UsageState => {
    if (fact.type === 'UsageBilled') return { billed: linesKey(fact.data.lines) }
    if (fact.type === 'BillingSkipped') return { ...state, skipped: skipKey(fact.data) }
    return state
  },
  decide: (command: UsageCommand, state: UsageState): DomainFact[] => {
    if (command.type === 'RecordBilled') {
      return state.billed === linesKey(command.data.lines) && state.skipped === undefined
        ? []
        : [domainFact('UsageBilled', command.data)]
    }
    return state.skipped === skipKey(command.data) ? [] : [domainFact('BillingSkipped', command.data)]
  }
}
