/**
 * One error type for every outbound failure. The message names the platform, the call and the
 * status, and never a credential: URLs are logged without their query string, and bodies are
 * never echoed beyond the platform's own error text.
 */
export type Platform = 'gravityzone' | 'halopsa'

export type PlatformErrorKind =
  | 'network' // connection refused, reset, DNS
  | 'timeout' // no answer within the call's deadline
  | 'rate_limited' // 429 after the retries
  | 'server' // 5xx after the retries
  | 'auth' // 401/403, or the platform's own "invalid key" error
  | 'not_found' // 404, or the platform's equivalent
  | 'rejected' // 400/409/422: the platform refused the request
  | 'rpc' // a JSON-RPC error object (GravityZone)
  | 'invalid_response' // a body we could not parse or that failed its schema

const brand = Symbol.for('gz-halo-relay.platform-error')

export class PlatformError extends Error {
  readonly [brand] = true
  readonly platform: Platform
  readonly call: string
  readonly kind: PlatformErrorKind
  readonly status?: number
  /** JSON-RPC error code (GravityZone). */
  readonly rpcCode?: number
  /** The platform's own error text or field-keyed body (never request data). */
  readonly details?: unknown
  readonly retryAfterMs?: number
  readonly attempts: number
  constructor(init: {
    platform: Platform
    call: string
    kind: PlatformErrorKind
    status?: number
    rpcCode?: number
    details?: unknown
    retryAfterMs?: number
    attempts?: number
    message?: string
    cause?: unknown
  }) {
    const status = init.status !== undefined ? ` (HTTP ${init.status})` : ''
    super(
      `${init.platform} ${init.call} failed: ${init.message ?? init.kind}${status}`,
      init.cause !== undefined ? { cause: init.cause } : undefined
    )
    this.name = 'PlatformError'
    this.platform = init.platform
    this.call = init.call
    this.kind = init.kind
    this.attempts = init.attempts ?? 1
    if (init.status !== undefined) this.status = init.status
    if (init.rpcCode !== undefined) this.rpcCode = init.rpcCode
    if (init.details !== undefined) this.details = init.details
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs
  }

  /** Worth trying again later (the platform or the network, not the request, was at fault). */
  get transient(): boolean {
    return this.kind === 'network' || this.kind === 'timeout' || this.kind === 'rate_limited' || this.kind === 'server'
  }
}

export const isPlatformError = (error: unknown): error is PlatformError =>
  typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true
