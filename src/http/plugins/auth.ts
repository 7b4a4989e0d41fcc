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
 * Failed authentication attempts per client address in a sliding minute; past the limit the
 * address is refused with 429 before its credentials are even checked, so guessing is slow.
 */
export const createFailureLimiter = (options: { limit: number; windowMs: number; now?: () => number }) => {
  const now = options.now ?? Date.now
  const failures = new Map<string, number[]>()
  const recent = (key: string) => {
    // Almost every request comes from an address with no failure on record: no work for it.
    if (!failures.has(key)) return []
    const cutoff = now() - options.windowMs
    const list = (failures.get(key) ?? []).filter((t) => t > cutoff)
    if (list.length === 0) failures.delete(key)
    else failures.set(key, list)
    return list
  }
  return {
    check(key: string): void {
      const list = recent(key)
      if (list.length >= options.limit) {
        const retryAfter = Math.max(1, Math.ceil((list[0]! + options.windowMs - now()) / 1000))
        throw new ApiError('too_many_failed_attempts', undefined, undefined, { 'retry-after': String(retryAfter) })
      }
    },
    fail(key: string): void {
      const list = recent(key)
      list.push(now())
      failures.set(key, list)
      // Bound memory under a spray of addresses.
      if (failures.size > 10_000) failures.delete(failures.keys().next().value as string)
    }
  }
}

export type FailureLimiter = ReturnType<typeof createFailureLimiter>

/** The preHandler of every route that names a scope (app.ts puts it there, and only there). */
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
    limiter.check(request.ip)
    const header = request.headers.authorization
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
    if (!match) {
      limiter.fail(request.ip)
      throw new ApiError('missing_credentials', 'an Authorization: Bearer <token> header is required', undefined, {
        'www-authenticate': 'Bearer realm="gz-halo-relay"'
      })
    }
    const token = find(match[1]!)
    if (!token) {
      limiter.fail(request.ip)
      throw new ApiError('invalid_credentials', 'the bearer token is not valid', undefined, {
        'www-authenticate': 'Bearer realm="gz-halo-relay", error="invalid_token"'
      })
    }
    if (needed === 'operate' && token.scope !== 'operate')
      throw new ApiError('insufficient_scope', `token "${token.name}" has the read scope; this needs operate`)
    request.actor = { name: token.name, scope: token.scope }
  }
}
