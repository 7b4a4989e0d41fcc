import type { StoredFact } from '../src/store/port.js'

/** A read model: a name, an initial state and a reducer over stored facts. No I/O. */
export type Projection<State> = {
  name: string
  initialState(): State
  evolve(state: State, fact: StoredFact): State
  /**
   * The fact types whose data or metadata `evolve` reads (a read hint for the store; see
   * SubscribeOptions.bodiesFor).
   */
  bodiesFor?: readonly string[]
}
