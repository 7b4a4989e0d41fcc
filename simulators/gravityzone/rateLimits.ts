import type { Clock } from '../../src/platforms/transport/clock.js'

/**
 * Server-side rate limits per API key (docs/platforms/gravityzone.md#rate-limits): a token bucket
 * per key and tier; an empty bucket answers 429 with `Retry-After` in seconds. `licensing` stands
 * for the whole 5 req/s tier (licensing reads and company writes), `push` for the 5 req/min tier.
 */
export type Tier = 'general' | 'licensing' | 'push'
export type TierLimit = { limit: number; intervalMs: number }
export type RateLimitConfig = {
  enabled: boolean
  general: TierLimit
  licensing: TierLimit
  push: TierLimit
  /** Leave the Retry-After header out of 429 answers (to test a client's fallback). */
  omitRetryAfter: boolean
}
export type RateLimitInput = Partial<RateLimitConfig>

export const defaultRateLimits: RateLimitConfig = {
  enabled: true,
  general: { limit: 10, intervalMs: 1_000 },
  licensing: { limit: 5, intervalMs: 1_000 },
  push: { limit: 5, intervalMs: 60_000 },
  omitRetryAfter: false
}

type Bucket = { tokens: number; at: number }

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds?: number }

export const createRateLimits = (clock: Clock, initial: RateLimitInput = {}) => {
  let config: RateLimitConfig = { ...defaultRateLimits, ...initial }
  let buckets = new Map<string, Bucket>()
  let limited = 0

  return {
    config: (): RateLimitConfig => structuredClone(config),
    /** Changes limits; buckets start full again. */
    configure(input: RateLimitInput) {
      config = { ...config, ...input }
      buckets = new Map()
    },
    take(apiKey: string, tier: Tier): RateDecision {
      if (!config.enabled) return { ok: true }
      const { limit, intervalMs } = config[tier]
      const now = clock.now()
      const id = `${tier}\u0000${apiKey}`
      const bucket = buckets.get(id) ?? { tokens: limit, at: now }
      bucket.tokens = Math.min(limit, bucket.tokens + ((now - bucket.at) * limit) / intervalMs)
      bucket.at = now
      buckets.set(id, bucket)
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1
        return { ok: true }
      }
      limited++
      if (config.omitRetryAfter) return { ok: false }
      const waitMs = ((1 - bucket.tokens) * intervalMs) / limit
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) }
    },
    limitedCount: () => limited
  }
}

export type RateLimits = ReturnType<typeof createRateLimits>
