import { binaryEvent, type EventStoreDBClient } from '@eventstore/db-client'
import { z } from 'zod'
import { SnapshotUnreadable, isStreamNotFound } from '../errors.js'
import type { Snapshot } from '../port.js'
import { toStoreError } from './convert.js'
import type { createReads } from './reads.js'

/**
 * Read-model snapshots on EventStoreDB (docs/architecture.md#read-model-snapshots): the latest one
 * is the last event of `snapshot-<name>`, binary, with what describes it as its metadata. A state
 * larger than one event may be (the server's default maximum append is 1 MiB) is first written in
 * parts to `snapshotChunk-<name>`, each part with the revision the previous one left, and the
 * snapshot event then names them: until that one append succeeds the previous snapshot is the last
 * event, so a crash while saving leaves it usable. Old parts and old snapshot events are left to
 * the server to scavenge (stream metadata `$tb`, `$maxCount`).
 */

/** Bytes per event: below the default maximum append size, with room for the metadata. */
export const CHUNK_BYTES = 768 * 1024
const SNAPSHOT = 'ReadModelSnapshot'
const CHUNK = 'ReadModelSnapshotChunk'

const Described = z.object({
  version: z.string(),
  position: z.string().regex(/^\d+$/),
  factId: z.string(),
  takenAt: z.string(),
  checksum: z.string(),
  size: z.number().int().nonnegative(),
  chunks: z.object({ from: z.string().regex(/^\d+$/), count: z.number().int().positive() }).optional()
})

const snapshotStream = (name: string) => `snapshot-${name}`
const chunkStream = (name: string) => `snapshotChunk-${name}`

export const esdbSnapshots = (deps: {
  client: EventStoreDBClient
  reads: ReturnType<typeof createReads>
  /** Retries reads and appends made with an expected revision (eventStoreDbStore.ts). */
  retrying<T>(operation: () => Promise<T>, retriable: boolean): Promise<T>
}) => {
  const { client, reads, retrying } = deps

  const append = (stream: string, event: ReturnType<typeof binaryEvent>, expected: bigint | 'any') =>
    retrying(
      () =>
        client.appendToStream(stream, event, { expectedRevision: expected }).catch((error: unknown) => {
          throw toStoreError(error, { stream })
        }),
      expected !== 'any'
    )

  /** Writes the parts one append each, each after the one before; returns the first part's revision. */
  const writeChunks = async (s: Snapshot): Promise<{ from: bigint; count: number }> => {
    let from: bigint | undefined
    let previous: bigint | 'any' = 'any'
    let count = 0
    for (let offset = 0; offset < s.data.length; offset += CHUNK_BYTES) {
      const part = s.data.subarray(offset, offset + CHUNK_BYTES)
      const result = await append(
        chunkStream(s.name),
        binaryEvent({ type: CHUNK, data: part, metadata: { checksum: s.checksum, index: count } }),
        previous
      )
      previous = BigInt(result.nextExpectedRevision)
      from ??= previous
      count++
    }
    return { from: from!, count }
  }

  const scavenge = async (name: string, chunks: { from: bigint } | undefined, revision: bigint) => {
    // Best effort: a failure here costs disk space only, never the snapshot just saved.
    await Promise.all([
      revision === 0n ? client.setStreamMetadata(snapshotStream(name), { maxCount: 2 }) : undefined,
      chunks ? client.setStreamMetadata(chunkStream(name), { truncateBefore: Number(chunks.from) }) : undefined
    ]).catch(() => undefined)
  }

  const readOrNone = (stream: string, options: Parameters<typeof reads.readStream>[1]) =>
    retrying(() => reads.readStream(stream, options), true).catch((error: unknown) =>
      isStreamNotFound(error) ? [] : Promise.reject(error)
    )

  return {
    async save(s: Snapshot): Promise<void> {
      const chunks = s.data.length > CHUNK_BYTES ? await writeChunks(s) : undefined
      const described: z.infer<typeof Described> = {
        version: s.version,
        position: s.position.toString(),
        factId: s.factId,
        takenAt: s.takenAt.toISOString(),
        checksum: s.checksum,
        size: s.data.length,
        ...(chunks ? { chunks: { from: chunks.from.toString(), count: chunks.count } } : {})
      }
      const result = await append(
        snapshotStream(s.name),
        binaryEvent({ type: SNAPSHOT, data: chunks ? new Uint8Array() : s.data, metadata: described }),
        'any'
      )
      await scavenge(s.name, chunks, BigInt(result.nextExpectedRevision))
    },

    async load(name: string): Promise<Snapshot | undefined> {
      const [last] = await readOrNone(snapshotStream(name), { direction: 'backwards', maxCount: 1 })
      if (!last) return undefined
      const described = Described.safeParse(last.metadata)
      if (last.type !== SNAPSHOT || !described.success || !(last.data instanceof Uint8Array))
        throw new SnapshotUnreadable(
          name,
          `the last event of ${snapshotStream(name)} is not a snapshot this build reads`
        )
      const d = described.data
      let data: Uint8Array = last.data
      if (d.chunks) {
        const from = BigInt(d.chunks.from)
        const parts = await readOrNone(chunkStream(name), { fromRevision: from, maxCount: d.chunks.count })
        const whole = parts.length === d.chunks.count && parts.every((p, i) => p.revision === from + BigInt(i))
        if (!whole) throw new SnapshotUnreadable(name, `parts of it are missing from ${chunkStream(name)}`)
        data = Buffer.concat(parts.map((p) => p.data as Uint8Array))
      }
      return {
        name,
        version: d.version,
        position: BigInt(d.position),
        factId: d.factId,
        takenAt: new Date(d.takenAt),
        data,
        checksum: d.checksum
      }
    }
  }
}
