import type { EventStore } from '../../store/port.js'
import type { Projection } from '../../../projections/projection.js'
import { asFact } from '../../domain/facts.js'
import { loadReadModels, type LoadedModel, type SnapshotLoad } from './loader.js'

/**
 * The check that snapshots are never trusted blindly: every read model folded from the first fact,
 * in memory, against the same read model as the relay would start it (its snapshot, then the facts
 * after it), both up to the same position, compared serialised. Read-only: nothing is saved.
 *
 * The serialisation is canonical JSON (maps, sets, bigints, dates and undefined tagged), not the
 * snapshot codec's bytes: V8 writes equal values differently depending on how they are held (an
 * array shared with the event catalogue, a dense or a sparse array), which says nothing about the
 * read model.
 */

export type RebuildComparison = {
  /** The store's head when the comparison began: both sides are folded up to it. */
  position: bigint
  readModels: {
    name: string
    /** How the snapshot-based side started (its snapshot loaded, none, or one ignored and why). */
    snapshot: SnapshotLoad
    same: boolean
    /** Size of the rebuilt state, serialised. */
    bytes: number
  }[]
  /** Whether every read model matched. */
  same: boolean
}

const PAGE = 4_096

const tagged = (_key: string, value: unknown): unknown => {
  if (typeof value === 'bigint') return { $bigint: value.toString() }
  if (value === undefined) return { $undefined: true }
  if (value instanceof Map) return { $map: [...value] }
  if (value instanceof Set) return { $set: [...value] }
  return value
}

/** A read model's state as canonical JSON (a projection with its own codec: its plain data). */
export const serialisedState = (projection: Projection<unknown>, state: unknown): string =>
  JSON.stringify(projection.snapshot ? projection.snapshot.encode(state) : state, tagged)

/** Folds the facts after `from` (exclusive; undefined: from the first) up to `to` into each model. */
const foldRange = async (store: EventStore, models: LoadedModel[], from: bigint | undefined, to: bigint) => {
  let next = from === undefined ? 0n : from + 1n
  while (next <= to) {
    const page = await store.readAll({ fromPosition: next, maxCount: PAGE })
    for (const stored of page) {
      if (stored.position > to) return
      const fact = asFact(stored)
      for (const m of models) {
        if (m.after !== undefined && fact.position <= m.after) continue
        m.state = m.projection.evolve(m.state, fact)
      }
    }
    if (page.length < PAGE) return
    next = page.at(-1)!.position + 1n
  }
}

export const compareWithRebuild = async (
  store: EventStore,
  projections: readonly Projection<unknown>[]
): Promise<RebuildComparison> => {
  const position = await store.headPosition()
  const rebuilt: LoadedModel[] = projections.map((projection) => ({
    projection,
    state: projection.initialState(),
    after: undefined
  }))
  await foldRange(store, rebuilt, undefined, position)

  const { models, loads } = await loadReadModels(store, projections)
  // A snapshot taken after the head read above (the relay is running) cannot be compared at it.
  for (const m of models) {
    if (m.after !== undefined && m.after > position) {
      m.state = m.projection.initialState()
      m.after = undefined
    }
  }
  const oldest = models.some((m) => m.after === undefined)
    ? undefined
    : models.reduce<bigint | undefined>((min, m) => (min === undefined || m.after! < min ? m.after : min), undefined)
  await foldRange(store, models, oldest, position)

  const readModels: RebuildComparison['readModels'] = []
  for (const [i, m] of models.entries()) {
    const expected = serialisedState(rebuilt[i]!.projection, rebuilt[i]!.state)
    const actual = serialisedState(m.projection, m.state)
    readModels.push({ name: m.projection.name, snapshot: loads[i]!, same: expected === actual, bytes: expected.length })
  }
  return { position, readModels, same: readModels.every((r) => r.same) }
}
