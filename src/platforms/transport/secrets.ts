import { hash, timingSafeEqual } from 'node:crypto'

/**
 * Comparing secrets in time that depends on neither side: both are hashed to a fixed length first,
 * so neither the content nor the length of the expected secret leaks through timing. Used for every
 * credential the relay receives (API tokens, webhook secrets). The push service's MD5 header has a
 * known length and is compared directly (push.ts).
 */

/**
 * The SHA-256 a secret is compared by. Taken as hex and decoded: crypto.hash's own 'buffer' output
 * was slower on Node 20 (docs/benchmarks.md#figures-behind-design-choices), and this runs on every
 * authenticated request.
 */
export const secretDigest = (value: string): Buffer => Buffer.from(hash('sha256', value, 'hex'), 'hex')

/** True when `given` equals `expected`. */
export const secretEquals = (given: string, expected: string): boolean =>
  timingSafeEqual(secretDigest(given), secretDigest(expected))

/** A check against one secret whose digest is computed once, not per request. */
export const secretMatcher = (secret: string) => {
  const expected = secretDigest(secret)
  return (given: string | undefined): boolean => given !== undefined && timingSafeEqual(secretDigest(given), expected)
}
