import { randomUUID } from 'node:crypto'
import type { z } from 'zod'
import type { Clock } from '../transport/clock.js'
import { PlatformError, type PlatformErrorKind } from '../transport/errors.js'
import { createTokenBucket, type RateLimiter } from '../transport/rateLimiter.js'
import { createTransport, type RetryPolicy, type TransportOptions } from '../transport/transport.js'
import { RpcResponse } from './schemas.js'

/**
 * One JSON-RPC 2.0 call to the GravityZone Public API
 * (docs/platforms/gravityzone.md#public-api-basics): POST to `<access URL>/<version>/jsonrpc/<api>`,
 * Basic auth with the key as user and an empty password, the answer parsed with zod and a JSON-RPC
 * error turned into a PlatformError that names the call, the status and the code — never the key.
 */

/** The published rate-limit tiers the relay's calls fall in (docs/platforms/gravityzone.md#rate-limits). */
export type Budget = 'general' | 'licensing' | 'push'
type BudgetLimit = { limit: number; intervalMs: number; burst?: number }
type BudgetLimits = Partial<Record<Budget, BudgetLimit>>

const defaultBudgetLimits: Record<Budget, BudgetLimit> = {
  general: { limit: 10, intervalMs: 1_000 },
  licensing: { limit: 5, intervalMs: 1_000 },
  push: { limit: 5, intervalMs: 60_000 }
}

type RpcCall<T> = {
  /** `network`, `licensing`, … or with a service segment, `network/computers`. */
  api: string
  method: string
  params?: Record<string, unknown>
  version?: 'v1.0' | 'v1.1'
  budget: Budget
  /** Safe to resend after a failure whose outcome is unknown (all reads are). */
  idempotent: boolean
  result: z.ZodType<T>
  /** Params naming what the call is about: an invalid-params error about them means "not found". */
  targets?: string[]
  timeoutMs?: number
}

export type RpcCallerOptions = {
  apiUrl: string
  apiKey: string
  timeoutMs?: number
  retry?: Partial<RetryPolicy>
  clock?: Clock
  limits?: BudgetLimits
  onCall?: TransportOptions['onCall']
}

export type RpcCaller = {
  call<T>(call: RpcCall<T>): Promise<T>
  close(): Promise<void>
  stats(): { transport: Record<string, number>; limiters: Record<Budget, ReturnType<RateLimiter['stats']>> }
}

const INVALID_PARAMS = -32602
const SERVER_ERROR = -32000

const detailsText = (details: unknown): string | undefined => {
  if (details === undefined || details === null) return undefined
  const text = typeof details === 'string' ? details : JSON.stringify(details)
  return text.length > 300 ? `${text.slice(0, 300)}…` : text
}

const notFoundWords = /not (be )?found|does not exist|no longer exists|doesn't exist|unknown (company|endpoint)/i

/** Codes about the request itself, never about what it names: "Method not found" is not a missing company. */
const REQUEST_ERRORS = new Set([-32700, -32600, -32601])

/**
 * The error kind for a JSON-RPC error object, given the HTTP status it came with. GravityZone does
 * not document what a deleted company answers (docs/platforms/gravityzone-fidelity.md, G4): an
 * "Invalid params" naming the id, and any other error (-32000, or an HTTP 404 carrying a JSON-RPC
 * body) that says "not found" about a call naming a company or endpoint, are `not_found`.
 */
const kindOf = (call: RpcCall<unknown>, status: number, code: number, text: string): PlatformErrorKind => {
  if (status === 401 || status === 403 || (code === SERVER_ERROR && /api key|authori[sz]/i.test(text))) return 'auth'
  const targets = (call.targets ?? []).filter((name) => call.params?.[name] !== undefined)
  if (code === INVALID_PARAMS) {
    // An error about another param (say targetMonth) is a rejected request, not a missing company.
    if (targets.length > 0 && (targets.some((name) => text.includes(name)) || notFoundWords.test(text)))
      return 'not_found'
    return 'rejected'
  }
  if (REQUEST_ERRORS.has(code)) return code === -32601 ? 'rpc' : 'rejected'
  if (targets.length > 0 && notFoundWords.test(text)) return 'not_found'
  return 'rpc'
}

/**
 * The kind for an error status without a JSON-RPC error in the body. A bare 404 is a path GravityZone
 * does not serve (a wrong Access URL or service segment), not a missing company: `rejected`.
 */
const kindOfStatus = (status: number): PlatformErrorKind =>
  status === 401 || status === 403 ? 'auth' : status >= 400 && status < 500 ? 'rejected' : 'invalid_response'

export const createRpcCaller = (options: RpcCallerOptions): RpcCaller => {
  const limits = { ...defaultBudgetLimits, ...options.limits }
  const limiters = Object.fromEntries(
    (Object.keys(defaultBudgetLimits) as Budget[]).map((budget) => [
      budget,
      createTokenBucket({ ...limits[budget], ...(options.clock ? { clock: options.clock } : {}) })
    ])
  ) as Record<Budget, RateLimiter>
  const transport = createTransport({
    platform: 'gravityzone',
    baseUrl: options.apiUrl,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.onCall ? { onCall: options.onCall } : {})
  })
  const authorization = `Basic ${Buffer.from(`${options.apiKey}:`).toString('base64')}`

  const call = async <T>(c: RpcCall<T>): Promise<T> => {
    const name = `${c.api}.${c.method}`
    const id = randomUUID()
    const response = await transport.send({
      method: 'POST',
      path: `/${c.version ?? 'v1.0'}/jsonrpc/${c.api}`,
      call: name,
      headers: { authorization, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method: c.method, params: c.params ?? {}, id }),
      idempotent: c.idempotent,
      limiter: limiters[c.budget],
      ...(c.timeoutMs !== undefined ? { timeoutMs: c.timeoutMs } : {})
    })
    const fail = (kind: PlatformErrorKind, message: string, extra: { rpcCode?: number; details?: unknown } = {}) =>
      new PlatformError({
        platform: 'gravityzone',
        call: name,
        kind,
        status: response.status,
        attempts: response.attempts,
        message,
        ...extra
      })

    let json: unknown
    try {
      json = JSON.parse(response.text)
    } catch {
      throw fail(response.status >= 400 ? kindOfStatus(response.status) : 'invalid_response', 'the answer is not JSON')
    }
    const envelope = RpcResponse.safeParse(json)
    if (!envelope.success)
      throw fail(
        response.status >= 400 ? kindOfStatus(response.status) : 'invalid_response',
        'the answer is not a JSON-RPC response'
      )
    const { error, result } = envelope.data
    if (error) {
      const text = detailsText(error.data?.details) ?? error.message ?? 'error'
      const message = `${text} (JSON-RPC ${error.code}${error.message && error.message !== text ? ` ${error.message}` : ''})`
      throw fail(kindOf(c as RpcCall<unknown>, response.status, error.code, text), message, {
        rpcCode: error.code,
        details: text
      })
    }
    if (response.status >= 400) throw fail(kindOfStatus(response.status), 'error status without a JSON-RPC error')
    if (!('result' in envelope.data)) throw fail('invalid_response', 'the answer has neither result nor error')
    const parsed = c.result.safeParse(result)
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message }))
      throw fail(
        'invalid_response',
        `unexpected result shape: ${issues[0]?.message ?? 'invalid'} at ${issues[0]?.path || '(root)'}`,
        { details: issues }
      )
    }
    return parsed.data
  }

  return {
    call,
    close: () => transport.close(),
    stats: () => ({
      transport: transport.stats(),
      limiters: Object.fromEntries(
        Object.entries(limiters).map(([budget, limiter]) => [budget, limiter.stats()])
      ) as Record<Budget, ReturnType<RateLimiter['stats']>>
    })
  }
}
