/**
 * What the checks of one run appended: the fact types (the sync report's `changes`) and their
 * positions (to wait for the read models before answering).
 */
export type Tally = { changes: string[]; positions: bigint[] }

export const newTally = (): Tally => ({ changes: [], positions: [] })

/** Adds one command's outcome to the tally. */
export const count = (tally: Tally, result: { facts: { type: string }[]; position: bigint | null }): void => {
  for (const f of result.facts) tally.changes.push(f.type)
  if (result.position !== null) tally.positions.push(result.position)
}

/** The position of the last fact appended, for read-your-writes; null when nothing was. */
export const lastPosition = (tally: Tally): bigint | null => tally.positions.at(-1) ?? null
