import type { z } from 'zod'
import { PlatformError } from '../transport/errors.js'
import type { Transport, TransportResponse } from '../transport/transport.js'
import type { TokenSource } from './auth.js'
import { budgetOfPath, currentBudgetScope } from './budget.js'
import type { ArrivalWindow } from './limiter.js'

/**
 * One authenticated call to Halo's resource server: Bearer token, one retry with a fresh token on a
 * 401 (docs/platforms/halopsa.md#authentication), status → PlatformError kind, and the answer
 * parsed with zod.
 */

type HaloRequest<S extends z.ZodType> = {
  method: 'GET' | 'POST' | 'DELETE'
  /** Path and query below the instance URL, e.g. `/api/Client/12`. */
  path: string
  /** The call's name in errors and metrics: method and path template, `GET /api/Client/{id}`. */
  call: string
  body?: unknown
  /** Safe to repeat after a failure whose outcome is unknown (GETs, absolute updates). */
  idempotent: boolean
  schema: S
}

export type HaloHttp = {
  /** The parsed answer; a 404 becomes a PlatformError of kind `not_found`. */
  send<S extends z.ZodType>(req: HaloRequest<S>): Promise<z.output<S>>
  /** The parsed answer, or null on a 404. */
  find<S extends z.ZodType>(req: HaloRequest<S>): Promise<z.output<S> | null>
}

const fail = (call: string, res: TransportResponse, kind: PlatformError['kind'], message: string, details?: unknown) =>
  new PlatformError({
    platform: 'halopsa',
    call,
    kind,
    status: res.status,
    attempts: res.attempts,
    message,
    ...(details !== undefined ? { details } : {})
  })

const bodyOf = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text.slice(0, 500)
  }
}

/** Halo's field-keyed 400 (`{"[0].tickettype_id": "…"}`) as one readable line. */
const summarise = (details: unknown): string => {
  if (typeof details === 'string') return details.slice(0, 200)
  if (details && typeof details === 'object') {
    return Object.entries(details as Record<string, unknown>)
      .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join('; ')
      .slice(0, 300)
  }
  return 'rejected'
}

export const createHaloHttp = (options: {
  instanceUrl: string
  transport: Transport
  tokens: TokenSource
  limiter: ArrivalWindow
  timeoutMs?: number
}): HaloHttp => {
  const base = options.instanceUrl.replace(/\/+$/, '')

  const attempt = (req: HaloRequest<z.ZodType>, token: string): Promise<TransportResponse> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' }
    if (req.body !== undefined) headers['content-type'] = 'application/json'
    // The budget class comes from the work this call belongs to (budget.ts), else from its path.
    const scope = currentBudgetScope()
    const limiter = options.limiter.forClass(scope?.budget ?? budgetOfPath(req.path), {
      ...(scope?.signal ? { signal: scope.signal } : {}),
      ...(scope?.onWait ? { onWait: scope.onWait } : {})
    })
    // 429s (any method), 5xx and network failures (idempotent calls) are retried by the transport
    // alone (docs/outbound-calls.md); this layer adds only the fresh-token retry after a 401.
    return options.transport.send({
      method: req.method,
      path: base + req.path,
      call: req.call,
      headers,
      ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      idempotent: req.idempotent,
      limiter,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {})
    })
  }

  const exchange = async (req: HaloRequest<z.ZodType>): Promise<TransportResponse> => {
    const token = await options.tokens.get()
    const res = await attempt(req, token)
    if (res.status !== 401) return res
    // Expired or revoked early: drop it and try exactly once more with a fresh one (a 401 means
    // the call was not run, so this is safe for every call).
    options.tokens.invalidate(token)
    return attempt(req, await options.tokens.get())
  }

  const interpret = <S extends z.ZodType>(req: HaloRequest<S>, res: TransportResponse): z.output<S> => {
    if (res.status === 401 || res.status === 403) {
      throw fail(
        req.call,
        res,
        'auth',
        res.status === 401 ? 'token refused' : 'not permitted (scope or agent permissions)',
        bodyOf(res.text)
      )
    }
    if (res.status === 404) throw fail(req.call, res, 'not_found', 'not found')
    if (res.status >= 400) {
      const details = bodyOf(res.text)
      throw fail(req.call, res, 'rejected', summarise(details), details)
    }
    let body: unknown
    try {
      body = JSON.parse(res.text)
    } catch {
      throw fail(req.call, res, 'invalid_response', 'answer is not JSON')
    }
    const parsed = req.schema.safeParse(body)
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message }))
      throw fail(req.call, res, 'invalid_response', 'answer does not match the expected shape', issues)
    }
    return parsed.data
  }

  return {
    async send(req) {
      return interpret(req, await exchange(req))
    },
    async find(req) {
      const res = await exchange(req)
      if (res.status === 404) return null
      return interpret(req, res)
    }
  }
}
