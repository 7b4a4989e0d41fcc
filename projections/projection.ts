import type { StoredFact } from '../src/store/port.js'
import type { Fact } from '../src/domain/facts.js'

/**
 * A read model: a name, an initial state and a reducer over stored facts. No I/O.
 *
 * Snapshots (docs/architecture.md#read-model-snapshots): the runner saves each read model's state
 * with the position it reflects and loads it at the next start instead of folding every fact
 * again. A snapshot is used only by a build whose projection has the same `name` and `version`, so
 * **bump `version` whenever the state's shape or what `evolve` derives changes**; a snapshot of
 * another version is ignored and the read model is rebuilt from the first fact.
 */
export type Projection<State> = {
  name: string
  /** The snapshot version: bump it when the state's shape or the evolve logic changes. */
  version: number
  initialState(): State
  /** Facts arrive typed by the catalogue (see asFact): switch on `fact.type` to read `fact.data`. */
  evolve(state: State, fact: StoredFact & Fact): State
  /**
   * The fact types whose data or metadata `evolve` reads (a read hint for the store; see
   * SubscribeOptions.bodiesFor).
   */
  bodiesFor?: readonly string[]
  /**
   * Top-level data fields `evolve` never reads, per fact type (a large payload): a store may leave
   * them out of what the runner folds (SubscribeOptions.unread).
   */
  unread?: Readonly<Record<string, readonly string[]>>
  /**
   * Only for a state that is not plain data (objects, arrays, Map, Set, Date, bigint and the
   * primitives): to and from plain data, which the snapshot codec then encodes
   * (src/services/snapshots/codec.ts).
   */
  snapshot?: { encode(state: State): unknown; decode(data: unknown): State }
}
