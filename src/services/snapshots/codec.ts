import v8 from 'node:v8'
import { timeSlices } from '../../runtime/timeSlices.js'

/**
 * The one codec for read-model state: plain data (objects, arrays, strings, numbers, booleans,
 * null, undefined, bigint, Date, Map, Set) in V8's structured-clone format, the one `postMessage`
 * uses (https://nodejs.org/api/v8.html#serialization-api). A projection whose state is plain data
 * gets snapshots without code of its own; one holding anything else (class instances, functions)
 * declares its own `snapshot.encode/decode` to and from plain data (projections/projection.ts).
 *
 * Encoding is the only part of taking a snapshot that must see the state as it is at one position,
 * so it runs on the event loop while the runner folds nothing. It must not hold the loop (requests,
 * appends) for long: plain objects near the root are written key by key, and large arrays, maps and
 * sets in batches of entries, one `writeValue` each (a call per entry costs several times more than
 * the entry), and the encoder yields to the event loop whenever a slice has run `sliceMs`.
 *
 * Shared references survive: one serializer keeps them across all the values it writes, and the
 * containers this walk splits are written once and referred to afterwards. A container the walk
 * splits and that is also reachable inside a value written whole is written twice (no read model
 * shares containers that way; the rebuild comparison would show it). Below the split depth values
 * are written as V8 writes them: a class instance there comes back as a plain object, so a state
 * holding one needs its own snapshot.encode/decode (projections/projection.ts).
 */

/** Bump when the layout below changes: every snapshot's version includes it (seal.ts). */
export const CODEC_FORMAT = 2

const Tag = { Value: 0, Object: 1, Array: 2, Map: 3, Set: 4, Seen: 5 } as const
type Tag = (typeof Tag)[keyof typeof Tag]

/** Plain objects at most this deep from the root are split into their keys. */
const SPLIT_DEPTH = 3
/** Arrays, maps and sets smaller than this are written whole. */
const SPLIT_SIZE = 256
/** Entries per batch of a large container. */
const BATCH = 256

export class SnapshotCodecError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SnapshotCodecError'
  }
}

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value) as unknown
  return proto === Object.prototype || proto === null
}

const describe = (value: object): string => (value.constructor?.name ? `a ${value.constructor.name}` : 'an object')

/** The tag a value gets at `depth`, and refuses what the codec cannot give back as it was. */
const tagOf = (value: unknown, depth: number): Tag => {
  if (typeof value === 'function' || typeof value === 'symbol')
    throw new SnapshotCodecError(
      `a read model's state holds ${typeof value === 'function' ? 'a function' : 'a symbol'}`
    )
  if (depth >= SPLIT_DEPTH || typeof value !== 'object' || value === null) return Tag.Value
  if (value instanceof Map) return value.size >= SPLIT_SIZE ? Tag.Map : Tag.Value
  if (value instanceof Set) return value.size >= SPLIT_SIZE ? Tag.Set : Tag.Value
  if (Array.isArray(value)) return value.length >= SPLIT_SIZE ? Tag.Array : Tag.Value
  if (value instanceof Date || ArrayBuffer.isView(value)) return Tag.Value
  if (!isPlainObject(value))
    throw new SnapshotCodecError(
      `a read model's state holds ${describe(value)}, which the snapshot codec would give back as a plain object: ` +
        'give the projection its own snapshot.encode/decode'
    )
  return Tag.Object
}

/** How the encoder shares the event loop: the longest slice it runs, and its share of the loop. */
export type EncodePace = { sliceMs?: number; share?: number }

/**
 * Encodes `state`, yielding to the event loop whenever a slice has run `sliceMs` (default 4 ms),
 * for long enough that the encoding takes at most `share` of the event loop (default 1: a turn).
 * The caller keeps the state unchanged until the promise settles.
 */
export const encodeState = async (state: unknown, options: EncodePace = {}): Promise<Buffer> => {
  const sliceMs = options.sliceMs ?? 4
  const serializer = new v8.Serializer()
  serializer.writeHeader()
  serializer.writeUint32(CODEC_FORMAT)
  const seen = new Map<object, number>()
  const pace = timeSlices(sliceMs, options.share)

  const writeWhole = (value: unknown): void => {
    try {
      serializer.writeValue(value)
    } catch (error) {
      throw new SnapshotCodecError(`a read model's state cannot be encoded: ${(error as Error).message}`, {
        cause: error
      })
    }
  }

  /** A large container's entries (a map's as key, value, key, value…), a batch per writeValue. */
  const writeBatches = async (size: number, entries: Iterable<unknown>, width: number): Promise<void> => {
    serializer.writeUint32(size)
    let batch: unknown[] = []
    for (const entry of entries) {
      if (width === 2) batch.push(...(entry as [unknown, unknown]))
      else batch.push(entry)
      if (batch.length >= BATCH * width) {
        writeWhole(batch)
        batch = []
        await pace()
      }
    }
    if (batch.length > 0) writeWhole(batch)
    await pace()
  }

  const write = async (value: unknown, depth: number): Promise<void> => {
    const tag = tagOf(value, depth)
    if (tag === Tag.Value) {
      serializer.writeUint32(Tag.Value)
      writeWhole(value)
      return
    }
    const container = value as object
    const earlier = seen.get(container)
    if (earlier !== undefined) {
      serializer.writeUint32(Tag.Seen)
      serializer.writeUint32(earlier)
      return
    }
    seen.set(container, seen.size)
    serializer.writeUint32(tag)
    if (tag === Tag.Map) {
      const map = container as Map<unknown, unknown>
      await writeBatches(map.size, map, 2)
    } else if (tag === Tag.Set) {
      const set = container as Set<unknown>
      await writeBatches(set.size, set, 1)
    } else if (tag === Tag.Array) {
      const array = container as unknown[]
      await writeBatches(array.length, array, 1)
    } else {
      const record = container as Record<string, unknown>
      const keys = Object.keys(record)
      serializer.writeUint32(keys.length)
      for (const key of keys) {
        serializer.writeValue(key)
        await write(record[key], depth + 1)
      }
    }
  }

  await write(state, 0)
  return serializer.releaseBuffer()
}

/** Decodes what encodeState wrote; throws SnapshotCodecError on anything else. */
export const decodeState = (bytes: Uint8Array): unknown => {
  try {
    const deserializer = new v8.Deserializer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    deserializer.readHeader()
    const format = deserializer.readUint32()
    if (format !== CODEC_FORMAT) throw new Error(`codec format ${format}, this build reads ${CODEC_FORMAT}`)
    const containers: unknown[] = []

    /** A large container's entries, batch after batch, as encodeState wrote them. */
    const readBatches = (width: number): unknown[] => {
      const wanted = deserializer.readUint32() * width
      const entries: unknown[] = []
      while (entries.length < wanted) {
        const batch = deserializer.readValue() as unknown
        if (!Array.isArray(batch) || batch.length === 0 || batch.length % width !== 0)
          throw new Error('a batch of entries is not one')
        if (entries.length + batch.length > wanted) throw new Error('more entries than the container holds')
        for (const entry of batch) entries.push(entry)
      }
      return entries
    }

    // Containers are split only near the root, so this recursion is as shallow as the encoder's.
    const read = (depth: number): unknown => {
      const tag = deserializer.readUint32() as Tag
      if (tag !== Tag.Value && tag !== Tag.Seen && depth >= SPLIT_DEPTH) throw new Error('containers nested too deep')
      switch (tag) {
        case Tag.Value:
          return deserializer.readValue()
        case Tag.Seen: {
          const index = deserializer.readUint32()
          if (index >= containers.length) throw new Error('a reference to a container not read yet')
          return containers[index]
        }
        case Tag.Map: {
          const map = new Map<unknown, unknown>()
          containers.push(map)
          const entries = readBatches(2)
          for (let i = 0; i < entries.length; i += 2) map.set(entries[i], entries[i + 1])
          return map
        }
        case Tag.Set: {
          const set = new Set<unknown>(readBatches(1))
          containers.push(set)
          return set
        }
        case Tag.Array: {
          const array = readBatches(1)
          containers.push(array)
          return array
        }
        case Tag.Object: {
          const record: Record<string, unknown> = {}
          containers.push(record)
          for (let n = deserializer.readUint32(); n > 0; n--) {
            const key = String(deserializer.readValue())
            // Defined, not assigned: a key named __proto__ stays a key.
            Object.defineProperty(record, key, {
              value: read(depth + 1),
              enumerable: true,
              writable: true,
              configurable: true
            })
          }
          return record
        }
        default:
          throw new Error(`unknown tag ${String(tag)}`)
      }
    }
    return read(0)
  } catch (error) {
    if (error instanceof SnapshotCodecError) throw error
    throw new SnapshotCodecError(`the snapshot cannot be decoded: ${(error as Error).message}`, { cause: error })
  }
}
