import type { DomainFact, Fact } from './facts.js'

/**
 * A decider (Emmett's shape, docs/architecture.md#deciders): `decide` turns a command and the state
 * folded from a stream into new facts (or a DomainError); `evolve` folds one stored fact into the
 * state. Both are free of I/O. `evolve` may update the state it is given and return it: states are
 * owned by the fold that built them, and copying a whole registry per fact would make replays
 * quadratic.
 */
export type Decider<Command, State> = {
  initialState(): State
  evolve(state: State, fact: Fact): State
  decide(command: Command, state: State): DomainFact[]
}
