import type { FastifyInstance } from 'fastify'
import type { SimContext } from './context.js'

/**
 * What arrives and how the instance answers in bulk: a log of every request (tests count calls and
 * check windows from it), Halo's rolling-window rate limit on `/api` and `/auth` ("Rate Limit
 * Reached - 300 Requests per rolling 5 minute window", Retry-After unconfirmed so it is a switch;
 * docs/platforms/halopsa.md#rate-limits), and the id/casing quirks of answers
 * (docs/platforms/halopsa.md#errors-and-wire-quirks).
 */

export type RateLimitSettings = { enabled: boolean; limit: number; windowMs: number; retryAfter: boolean }

export type CallRecord = {
  at: number
  method: string
  path: string
  /** Path and query as sent. */
  url: string
  route: string
  status?: number
  /** The parsed JSON body of a POST (the contract test checks these against Halo's schemas). */
  body?: unknown
}

export type CallLog = {
  requests(): CallRecord[]
  /** Requests per `METHOD /route/:template` (e.g. `GET /api/Client/:id`). */
  counts(): Record<string, number>
  count(key: string): number
  reset(): void
}

export type Traffic = { calls: CallLog; rateLimit: RateLimitSettings; limited(): number }

const limitedPath = (path: string) => path.startsWith('/api/') || path.startsWith('/auth/')

const ID_VALUE = /"(id|\w+_id|_itemid|ihid)":(-?\d+)(?=[,}\]])/g

/** Writes ids as `"3"` or `3.0`, and capitalises keys, in a serialized JSON answer. */
export const applyQuirks = (json: string, quirks: SimContext['quirks']): string => {
  let out = json
  if (quirks.ids === 'string') out = out.replace(ID_VALUE, '"$1":"$2"')
  if (quirks.ids === 'float') out = out.replace(ID_VALUE, '"$1":$2.0')
  if (quirks.keys === 'capitalised')
    out = out.replace(/"([a-z_])(\w*)":/g, (_m, first: string, rest: string) => `"${first.toUpperCase()}${rest}":`)
  return out
}

export const installTraffic = (app: FastifyInstance, ctx: SimContext, rateLimit: RateLimitSettings): Traffic => {
  let records: CallRecord[] = []
  let accepted: number[] = []
  let head = 0
  let limited = 0
  const byRequest = new WeakMap<object, CallRecord>()

  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!
    if (path.startsWith('/_sim/')) return
    const record: CallRecord = {
      at: ctx.clock.now(),
      method: request.method,
      path,
      url: request.url,
      route: request.routeOptions.url ?? path
    }
    records.push(record)
    byRequest.set(request, record)
    if (!rateLimit.enabled || !limitedPath(path.toLowerCase())) return
    const now = record.at
    while (head < accepted.length && accepted[head]! <= now - rateLimit.windowMs) head++
    if (head > 4096) {
      accepted = accepted.slice(head)
      head = 0
    }
    if (accepted.length - head >= rateLimit.limit) {
      limited++
      if (rateLimit.retryAfter)
        reply.header('retry-after', String(Math.max(1, Math.ceil((accepted[head]! + rateLimit.windowMs - now) / 1000))))
      const minutes = rateLimit.windowMs / 60_000
      return reply
        .code(429)
        .type('text/plain')
        .send(
          `Rate Limit Reached - ${rateLimit.limit} Requests per rolling ${minutes >= 1 ? `${minutes} minute` : `${rateLimit.windowMs} ms`} window`
        )
    }
    accepted.push(now)
  })

  app.addHook('preHandler', async (request) => {
    const record = byRequest.get(request)
    if (record && request.body !== undefined && request.method === 'POST' && !record.path.startsWith('/auth/'))
      record.body = request.body
  })

  app.addHook('onSend', async (request, _reply, payload) => {
    if (typeof payload !== 'string' || !request.url.toLowerCase().startsWith('/api/')) return payload
    return ctx.quirks.ids === 'number' && ctx.quirks.keys === 'as-is' ? payload : applyQuirks(payload, ctx.quirks)
  })

  app.addHook('onResponse', async (request, reply) => {
    const record = byRequest.get(request)
    if (record) record.status = reply.statusCode
  })

  const key = (r: CallRecord) => `${r.method} ${r.route}`
  return {
    rateLimit,
    limited: () => limited,
    calls: {
      requests: () => records.slice(),
      counts: () => {
        const out: Record<string, number> = {}
        for (const r of records) out[key(r)] = (out[key(r)] ?? 0) + 1
        return out
      },
      count: (k) => records.filter((r) => key(r).toLowerCase() === k.toLowerCase()).length,
      reset: () => {
        records = []
      }
    }
  }
}
