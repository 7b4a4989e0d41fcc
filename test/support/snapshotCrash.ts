import type { Projection } from '../../projections/projection.js'

/** The read model the snapshot crash test saves: large, and folding nothing. */
export const bigReadModel: Projection<{ items: Map<number, string> }> = {
  name: 'crashTestBig',
  version: 1,
  initialState: () => ({ items: new Map() }),
  evolve: (state) => state
}
