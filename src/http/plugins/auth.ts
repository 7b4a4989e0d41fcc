import { timingSafeEqual } from 'node:crypto'
import { secretDigest } from '../../platforms/transport/secrets.js'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { ApiToken, TokenScope } from '../../config.js'
import { ApiError } from '../errors.js'

/**
 * Bearer tokens for the API (`API_TOKENS`, README.md#configuration): each has a name (the actor
 * recorded in facts) and a scope. Comparisons are constant-time over SHA-256 digests, so neither a
 * token's content nor its length leaks through timing; every configured token is compared on every
 * request.
 */

export type Actor = { name: string; scope: TokenScope }

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor
  }
  interface FastifyContextConfig {
    /** The scope a route needs; routes without one are public (webhooks, ops). */
    scope?: TokenScope
  }
}

/**
 * Failed authentication attempts per client address in a sliding window, one budget per surface
 * (app.ts makes one for the API and one for each webhook). The credential is always checked first,
 * in full and in constant time: a valid one passes whatever the address did before, so a noisy
 * neighbour behind the same proxy can never lock out a platform or an operator. A caller whose
 * credential is not valid is answered 401 while its address is within budget and 429 once over
 * it, the same 429 for a missing, malformed or wrong credential, with Retry-After
 * (docs/security.md, "Failure budgets").
 */
export const createFailureLimiter = (options: { limit: number; windowMs: number; now?: () => number }) => {
  const now = options.now ?? Date.now
  // Per address, the times of its most recent failures (at most `limit`: the window is over
  // budget exactly when the oldest of the last `limit` failures is still inside it).
  const failures = new Map<string, number[]>()
  const recent = (key: string): number[] => {
    const list = failures.get(key)
    // Almost every request comes from an address with no failure on record: no work for it.
    if (!list) return []
    const cutoff = now() - options.windowMs
    const kept = list.filter((t) => t > cutoff)
    if (kept.length === 0) failures.delete(key)
    else failures.set(key, kept)
    return kept
  }
  return {
    /** Seconds until the address is within budget again, or undefined when it is now. */
    overBudget(key: string): number | undefined {
      const list = recent(key)
      if (list.length < options.limit) return undefined
      return Math.max(1, Math.ceil((list[0]! + options.windowMs - now()) / 1000))
    },
    fail(key: string): void {
      const list = recent(key)
      list.push(now())
      if (list.length > options.limit) list.splice(0, list.length - options.limit)
      // Re-inserted last, so the oldest entry is the address that failed least recently.
      failures.delete(key)
      failures.set(key, list)
      // Bound memory under a spray of addresses.
      if (failures.size > 10_000) failures.delete(failures.keys().next().value as string)
    }
  }
}

export type FailureLimiter = ReturnType<typeof createFailureLimiter>

/** The three surfaces with credentials of their own, each with its own failure budget. */
export type FailureLimiters = { api: FailureLimiter; gravityzone: FailureLimiter; halopsa: FailureLimiter }

export const createFailureLimiters = (options: { limit: number; windowMs: number; now?: () => number }) => ({
  api: createFailureLimiter(options),
  gravityzone: createFailureLimiter(options),
  halopsa: createFailureLimiter(options)
})

/**
 * What a caller whose credential is not valid is told: `error` (401) within budget, 429 over it.
 * Either way the failure is counted against its address.
 */
export const failedAttempt = (limiter: FailureLimiter, key: string, error: ApiError): ApiError => {
  const retryAfter = limiter.overBudget(key)
  limiter.fail(key)
  if (retryAfter === undefined) return error
  return new ApiError('too_many_failed_attempts', undefined, undefined, { 'retry-after': String(retryAfter) })
}

/**
 * The onRequest hook of every route that names a scope (app.ts puts it there, and only there): it
 * runs before the body is read, so a caller without a valid token never has a body parsed or
 * validated, and each such request counts against its address.
 */
export const bearerAuth = (tokens: readonly ApiToken[], limiter: FailureLimiter) => {
  const hashed = tokens.map((t) => ({ ...t, digest: secretDigest(t.token) }))
  const find = (presented: string): ApiToken | undefined => {
    const d = secretDigest(presented)
    let found: ApiToken | undefined
    for (const t of hashed) if (timingSafeEqual(d, t.digest) && !found) found = t
    return found
  }
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const needed = request.routeOptions.config.scope
    const header = request.headers.authorization
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
    // Compared even without a well-formed header, so every refusal costs the same work.
    const token = find(match?.[1] ?? '')
    if (!match)
      throw failedAttempt(
        limiter,
        request.ip,
        new ApiError('missing_credentials', 'an Authorization: Bearer <token> header is required', undefined, {
          'www-authenticate': 'Bearer realm="gz-halo-relay"'
        })
      )
    if (!token)
      throw failedAttempt(
        limiter,
        request.ip,
        new ApiError('invalid_credentials', 'the bearer token is not valid', undefined, {
          'www-authenticate': 'Bearer realm="gz-halo-relay", error="invalid_token"'
        })
      )
    if (needed === 'operate' && token.scope !== 'operate')
      throw new ApiError('insufficient_scope', `token "${token.name}" has the read scope; this needs operate`)
    request.actor = { name: token.name, scope: token.scope }
  }
}
