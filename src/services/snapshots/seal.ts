import { createHash, webcrypto } from 'node:crypto'
import { promisify } from 'node:util'
import { gunzip, gzip } from 'node:zlib'
import type { Projection } from '../../../projections/projection.js'
import { CODEC_FORMAT, SnapshotCodecError, decodeState, encodeState, type EncodePace } from './codec.js'

/**
 * From a read model's state to the bytes a store keeps, and back. The encoding (codec.ts) sees the
 * state; compressing and the checksum run on libuv's thread pool, off the event loop, on bytes
 * the state no longer shares.
 */

const gzipAsync = promisify(gzip)
const gunzipAsync = promisify(gunzip)

/**
 * The version a snapshot of this projection is written with: a hash of its name, its version
 * constant and the codec's format, so a snapshot is read only by a build that folds the same way.
 */
export const snapshotVersion = (projection: Pick<Projection<unknown>, 'name' | 'version'>): string =>
  createHash('sha256')
    .update(`${projection.name}\u0000${projection.version}\u0000${CODEC_FORMAT}`)
    .digest('hex')
    .slice(0, 16)

const sha256 = async (bytes: Uint8Array): Promise<string> =>
  Buffer.from(await webcrypto.subtle.digest('SHA-256', bytes)).toString('hex')

/** The state as plain data, encoded (the caller keeps the state unchanged until this settles). */
export const encodeReadModel = <S>(projection: Projection<S>, state: S, pace: EncodePace = {}): Promise<Buffer> =>
  encodeState(projection.snapshot ? projection.snapshot.encode(state) : state, pace)

/** Compressed encoded state and its checksum. */
export const seal = async (encoded: Uint8Array): Promise<{ data: Buffer; checksum: string }> => {
  // Level 1: most of the gain (states repeat their keys and ids) for a fraction of the CPU.
  const data = await gzipAsync(encoded, { level: 1 })
  return { data, checksum: await sha256(data) }
}

/** The state back from sealed bytes; throws SnapshotCodecError when they are not whole. */
export const unseal = async <S>(projection: Projection<S>, data: Uint8Array, checksum: string): Promise<S> => {
  if ((await sha256(data)) !== checksum) throw new SnapshotCodecError('its checksum does not match its data')
  let encoded: Buffer
  try {
    encoded = await gunzipAsync(data)
  } catch (error) {
    throw new SnapshotCodecError(`it cannot be decompressed: ${(error as Error).message}`, { cause: error })
  }
  const plain = decodeState(encoded)
  return projection.snapshot ? projection.snapshot.decode(plain) : (plain as S)
}
