import { hash, randomFillSync } from 'node:crypto'

/** Two hex digits per byte value: a UUID is formatted by lookups, without a Buffer or slices. */
const HEX_BYTES = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'))

const formatUuid = (b: Uint8Array): string => {
  const h = (i: number) => HEX_BYTES[b[i]!]!
  return `${h(0)}${h(1)}${h(2)}${h(3)}-${h(4)}${h(5)}-${h(6)}${h(7)}-${h(8)}${h(9)}-${h(10)}${h(11)}${h(12)}${h(13)}${h(14)}${h(15)}`
}

let lastMs = 0
let counter = 0
/**
 * A fresh id for facts the relay originates: a UUID version 7 (RFC 9562), time-ordered, so the
 * store's unique index on fact ids grows at its right edge instead of touching a random page per
 * append (docs/benchmarks.md#figures-behind-design-choices). A 12-bit counter keeps ids made in the
 * same millisecond in order.
 */
// Random bytes drawn 4 KiB at a time: one call into the CSPRNG per 512 ids instead of one per id.
const pool = new Uint8Array(4096)
let poolOffset = pool.length
const randomInto = (bytes: Uint8Array, from: number): void => {
  const n = bytes.length - from
  if (poolOffset + n > pool.length) {
    randomFillSync(pool)
    poolOffset = 0
  }
  bytes.set(pool.subarray(poolOffset, poolOffset + n), from)
  poolOffset += n
}

export const newId = (): string => {
  const bytes = new Uint8Array(16)
  randomInto(bytes, 8)
  let ms = Date.now()
  if (ms <= lastMs) {
    ms = lastMs
    counter++
    if (counter > 0xfff) {
      ms = ++lastMs
      counter = 0
    }
  } else {
    counter = 0
  }
  lastMs = ms
  bytes[0] = Math.floor(ms / 2 ** 40) & 0xff
  bytes[1] = Math.floor(ms / 2 ** 32) & 0xff
  bytes[2] = (ms >>> 24) & 0xff
  bytes[3] = (ms >>> 16) & 0xff
  bytes[4] = (ms >>> 8) & 0xff
  bytes[5] = ms & 0xff
  bytes[6] = 0x70 | (counter >>> 8)
  bytes[7] = counter & 0xff
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  return formatUuid(bytes)
}

/**
 * A deterministic UUID (RFC 9562 version 8, "custom") from a SHA-256 over the given parts. Facts
 * derived from an external delivery use it, so a re-delivery maps to the same fact ids and the
 * store treats the second append as an idempotent repeat (docs/architecture.md#deterministic-ids).
 */
export const deterministicId = (...parts: (string | Uint8Array)[]): string => {
  // The parts, each followed by a NUL, hashed in one call: the bytes an incremental hash would
  // have been fed one by one (so every id ever issued stays the same), without a Hash object.
  const input = parts.every((part) => typeof part === 'string')
    ? (parts as string[]).join('\u0000') + '\u0000'
    : Buffer.concat(parts.flatMap((part) => [typeof part === 'string' ? Buffer.from(part, 'utf8') : part, NUL]))
  // The first 16 bytes as hex, with the version (8) and variant bits set on the hex digits: the
  // same UUID as setting them on the bytes, without a Buffer (this runs for every delivery).
  const hex = hash('sha256', input, 'hex')
  const variant = HEX[(Number.parseInt(hex[16]!, 16) & 0x3) | 0x8]!
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

const HEX = '0123456789abcdef'

const NUL = new Uint8Array(1)

/** Hex SHA-256 of bytes or text: the identity of a delivery body, an event, a threat. */
export const contentHash = (content: string | Uint8Array): string => hash('sha256', content, 'hex')

const EPOCH_2000 = 946_684_800_000
const EPOCH_2100 = 4_102_444_800_000

/**
 * A deterministic id that still sorts by time: the first 48 bits are `ms` (a time carried in the
 * delivery itself, such as GravityZone's epoch-ms JSON-RPC id) when it is a plausible epoch time,
 * the rest a hash of the parts. A re-delivery of the same bytes gets the same id, and facts from
 * deliveries made close in time sit close in the store's id index.
 */
export const deterministicTimedId = (ms: number | undefined, ...parts: (string | Uint8Array)[]): string => {
  const id = deterministicId(...parts)
  if (ms === undefined || !Number.isInteger(ms) || ms < EPOCH_2000 || ms > EPOCH_2100) return id
  const time = ms.toString(16).padStart(12, '0')
  return `${time.slice(0, 8)}-${time.slice(8, 12)}${id.slice(13)}`
}

/**
 * The `index`-th id of a family derived from one deterministic id (the facts of one delivery): the
 * last 32 bits are XORed with the index, so the ids of a family differ from each other and keep the
 * base's time prefix, without a hash per member.
 */
export const indexedId = (base: string, index: number): string => {
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff)
    throw new RangeError('index must be a 32-bit unsigned integer')
  const tail = (Number.parseInt(base.slice(28), 16) ^ index) >>> 0
  return base.slice(0, 28) + tail.toString(16).padStart(8, '0')
}
