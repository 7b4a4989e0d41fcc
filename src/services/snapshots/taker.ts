import type { EventStore } from '../../store/port.js'
import type { Projection } from '../../../projections/projection.js'
import type { EncodePace } from './codec.js'
import { encodeReadModel, seal, snapshotVersion } from './seal.js'

/**
 * Taking one snapshot of every read model, at one position. Only the encoding needs the states as
 * they are at that position: it runs while `hold` keeps the runner from folding (the event loop
 * stays free: codec.ts yields every slice, `pace`), then the runner folds on while the bytes are
 * compressed, checksummed (libuv's thread pool) and saved one read model after another.
 */

export type SnapshotReport = {
  position: bigint
  takenAt: Date
  /** Time the runner did not fold (the states were being encoded). */
  heldMs: number
  /** From the start of the encoding to the last save. */
  totalMs: number
  readModels: { name: string; encodedBytes: number; storedBytes: number }[]
}

export const takeSnapshot = async (deps: {
  store: EventStore
  models: readonly { projection: Projection<unknown>; state: unknown }[]
  at: { position: bigint; factId: string }
  /** Stops the runner folding until the returned function is called. */
  hold(): () => void
  /** How the encoding shares the event loop (default: 4 ms slices, a turn of the loop between). */
  pace?: EncodePace
  now?: () => Date
}): Promise<SnapshotReport> => {
  const takenAt = deps.now?.() ?? new Date()
  const started = performance.now()
  const release = deps.hold()
  const encoded: Buffer[] = []
  try {
    for (const { projection, state } of deps.models) encoded.push(await encodeReadModel(projection, state, deps.pace))
  } finally {
    release()
  }
  const heldMs = performance.now() - started
  const readModels: SnapshotReport['readModels'] = []
  for (const [i, { projection }] of deps.models.entries()) {
    const bytes = encoded[i]!
    const { data, checksum } = await seal(bytes)
    await deps.store.saveSnapshot({
      name: projection.name,
      version: snapshotVersion(projection),
      position: deps.at.position,
      factId: deps.at.factId,
      takenAt,
      data,
      checksum
    })
    readModels.push({ name: projection.name, encodedBytes: bytes.length, storedBytes: data.length })
  }
  return { position: deps.at.position, takenAt, heldMs, totalMs: performance.now() - started, readModels }
}
