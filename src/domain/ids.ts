import { createHash, randomUUID } from 'node:crypto'

/** A fresh random id (UUID v4) for facts the relay originates. */
export const newId = (): string => randomUUID()

/**
 * A deterministic UUID (RFC 9562 version 8, "custom") from a SHA-256 over the given parts.
 * Facts derived from an external delivery use it, so a re-delivery maps to the same fact ids and
 * the store treats the second append as an idempotent repeat (SPEC §4, anchors §1.3).
 */
export const deterministicId = (...parts: (string | Uint8Array)[]): string => {
  const hash = createHash('sha256')
  for (const part of parts) {
    hash.update(part)
    hash.update('\u0000')
  }
  const bytes = hash.digest().subarray(0, 16)
  bytes[6] = (bytes[6]! & 0x0f) | 0x80
  bytes[8] = (bytes[8]! & 0x3f) | 0x80
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

/** Hex SHA-256 of raw bytes: the identity of a delivery body. */
export const contentHash = (content: string | Uint8Array): string => createHash('sha256').update(content).digest('hex')
