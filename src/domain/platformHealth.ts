import type { Decider } from './decider.js'
import { domainFact, type DomainFact, type Fact, type FactData } from './facts.js'

/**
 * Whether one platform is reachable, as recorded: one stream per platform holding only the
 * transitions. Saying "unreachable" while it is recorded unreachable (or "recovered" while it is
 * not) appends nothing, so a relay restarted during an outage does not record it twice.
 */

export type PlatformHealthState = {
  down: boolean
  since?: string
  lastError?: FactData<'PlatformUnreachable'>['lastError']
}

export type PlatformHealthCommand =
  | { type: 'RecordUnreachable'; data: FactData<'PlatformUnreachable'> }
  | { type: 'RecordRecovered'; data: FactData<'PlatformRecovered'> }

const initialPlatformHealth = (): PlatformHealthState => ({ down: false })

const evolvePlatformHealth = (state: PlatformHealthState, fact: Fact): PlatformHealthState => {
  switch (fact.type) {
    case 'PlatformUnreachable':
      return { down: true, since: fact.data.since, lastError: fact.data.lastError }
    case 'PlatformRecovered':
      return { down: false, since: fact.data.since }
    default:
      return state
  }
}

const decidePlatformHealth = (command: PlatformHealthCommand, state: PlatformHealthState): DomainFact[] => {
  switch (command.type) {
    case 'RecordUnreachable':
      return state.down ? [] : [domainFact('PlatformUnreachable', command.data)]
    case 'RecordRecovered':
      return state.down ? [domainFact('PlatformRecovered', command.data)] : []
  }
}

export const platformHealth: Decider<PlatformHealthCommand, PlatformHealthState> = {
  initialState: initialPlatformHealth,
  evolve: evolvePlatformHealth,
  decide: decidePlatformHealth
}
