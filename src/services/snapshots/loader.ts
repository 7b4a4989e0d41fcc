import type { EventStore, Snapshot } from '../../store/port.js'
import { isStoreError } from '../../store/errors.js'
import type { Projection } from '../../../projections/projection.js'
import type { Logger } from '../../logger.js'
import { snapshotVersion, unseal } from './seal.js'

/**
 * Loading read models from their snapshots at start-up. A snapshot is used only when it was written
 * for this projection version, its checksum matches, it decodes, and the store holds the very fact
 * it was taken after (a snapshot is never trusted over the facts: restored from another store, or
 * ahead of a store restored from an older backup, it is ignored). Anything else is logged and the
 * read model is rebuilt from the first fact.
 */

export type SnapshotLoad =
  | { name: string; outcome: 'loaded'; position: bigint; takenAt: Date; bytes: number; ms: number }
  | { name: string; outcome: 'none' }
  | { name: string; outcome: 'ignored'; reason: string }

export type LoadedModel = {
  projection: Projection<unknown>
  state: unknown
  /** The position the state reflects (its snapshot's), or undefined when it starts from the first fact. */
  after: bigint | undefined
}

const ignored = (name: string, reason: string): SnapshotLoad => ({ name, outcome: 'ignored', reason })

export const loadReadModels = async (
  store: EventStore,
  projections: readonly Projection<unknown>[],
  logger?: Logger
): Promise<{ models: LoadedModel[]; loads: SnapshotLoad[] }> => {
  const factAt = new Map<bigint, string | undefined>()
  const idOfFactAt = async (position: bigint) => {
    if (!factAt.has(position)) {
      const [fact] = await store.readAll({ fromPosition: position, maxCount: 1 })
      factAt.set(position, fact?.position === position ? fact.id : undefined)
    }
    return factAt.get(position)
  }

  const loadOne = async (projection: Projection<unknown>): Promise<{ model: LoadedModel; load: SnapshotLoad }> => {
    const name = projection.name
    const fresh = (load: SnapshotLoad) => ({
      model: { projection, state: projection.initialState(), after: undefined },
      load
    })
    let snapshot: Snapshot | undefined
    try {
      snapshot = await store.loadSnapshot(name)
    } catch (error) {
      // Unavailable or closed: the runner's retry takes over; unreadable: rebuilt like a damaged one.
      if (isStoreError(error) && error.code === 'snapshot_unreadable') return fresh(ignored(name, error.message))
      throw error
    }
    if (!snapshot) return fresh({ name, outcome: 'none' })
    const version = snapshotVersion(projection)
    if (snapshot.version !== version)
      return fresh(
        ignored(
          name,
          `it was written for another version of the read model (${snapshot.version}, this build ${version})`
        )
      )
    if ((await idOfFactAt(snapshot.position)) !== snapshot.factId)
      return fresh(
        ignored(
          name,
          `the store does not hold fact ${snapshot.factId} at position ${snapshot.position}, which it was taken after`
        )
      )
    const started = performance.now()
    try {
      const state = await unseal(projection, snapshot.data, snapshot.checksum)
      return {
        model: { projection, state, after: snapshot.position },
        load: {
          name,
          outcome: 'loaded',
          position: snapshot.position,
          takenAt: snapshot.takenAt,
          bytes: snapshot.data.length,
          ms: performance.now() - started
        }
      }
    } catch (error) {
      return fresh(ignored(name, `it is damaged: ${(error as Error).message}`))
    }
  }

  const models: LoadedModel[] = []
  const loads: SnapshotLoad[] = []
  for (const projection of projections) {
    const { model, load } = await loadOne(projection)
    models.push(model)
    loads.push(load)
    if (load.outcome === 'loaded') {
      logger?.info(
        {
          readModel: load.name,
          position: String(load.position),
          takenAt: load.takenAt.toISOString(),
          bytes: load.bytes,
          ms: Math.round(load.ms)
        },
        'read model loaded from its snapshot'
      )
    } else if (load.outcome === 'ignored') {
      logger?.warn(
        { readModel: load.name, reason: load.reason },
        'snapshot ignored; rebuilding the read model from the first fact'
      )
    }
  }
  return { models, loads }
}
