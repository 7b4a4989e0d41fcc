import type { StoredFact } from '../src/store/port.js'
import type { Fact } from '../src/domain/facts.js'

/** A read model: a name, an initial state and a reducer over stored facts. No I/O. */
export type Projection<State> = {
  name: string
  initialState(): State
  /** Facts arrive typed by the catalogue (see asFact): switch on `fact.type` to read `fact.data`. */
  evolve(state: State, fact: StoredFact & Fact): State
  /**
   * The fact types whose data or metadata `evolve` reads (a read hint for the store; see
   * SubscribeOptions.bodiesFor).
   */
  bodiesFor?: readonly string[]
}
