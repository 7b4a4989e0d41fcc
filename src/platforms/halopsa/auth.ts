import type { Clock } from '../transport/clock.js'
import { PlatformError } from '../transport/errors.js'
import type { RateLimiter } from '../transport/rateLimiter.js'
import type { Transport } from '../transport/transport.js'
import { tokenResponseSchema } from './schemas.js'

/**
 * OAuth2 client credentials against Halo's authorisation server
 * (docs/platforms/halopsa.md#authentication), with a token cache in the style of dotMARC's
 * HaloPsaTokenCache: refresh 60 s before expiry, drop the token on a 401 so the caller can retry
 * once, and let concurrent callers share one token request.
 */

export type HaloCredentials = {
  /** HALO_URL: the instance (resource server is `${url}/api`). */
  url: string
  /** HALO_AUTH_URL: the authorisation server, e.g. `https://tenant.halopsa.com/auth`. */
  authUrl?: string
  /** HALO_TENANT: set for Halo-hosted instances, which need `?tenant=` on the token URL. */
  tenant?: string
  clientId: string
  clientSecret: string
  /**
   * Space-separated scopes; the application's grant can only be narrowed
   * (docs/platforms/halopsa.md#authentication).
   */
  scope?: string
}

const trimSlash = (url: string) => url.replace(/\/+$/, '')

/** On-premise `${url}/auth/token`; hosted `${authUrl}/token?tenant=<tenant>` (n8n's getAuthUrl). */
export const tokenUrl = (credentials: Pick<HaloCredentials, 'url' | 'authUrl' | 'tenant'>): string => {
  const base = credentials.authUrl
    ? `${trimSlash(credentials.authUrl)}/token`
    : `${trimSlash(credentials.url)}/auth/token`
  return credentials.tenant ? `${base}?tenant=${encodeURIComponent(credentials.tenant)}` : base
}

export type TokenSource = {
  /** A valid access token, fetching one when none is cached or it is about to expire. */
  get(): Promise<string>
  /** Forget `token` after Halo refused it (only if it is still the cached one). */
  invalidate(token: string): void
  stats(): { requested: number }
}

const EARLY_REFRESH_MS = 60_000
const DEFAULT_LIFETIME_S = 3600

export const createTokenSource = (options: {
  credentials: HaloCredentials
  transport: Transport
  limiter: RateLimiter
  clock: Clock
  timeoutMs?: number
}): TokenSource => {
  const { credentials, transport, limiter, clock } = options
  const url = tokenUrl(credentials)
  const call = 'POST /auth/token'
  let cached: { token: string; refreshAt: number } | undefined
  let inflight: Promise<string> | undefined
  let requested = 0

  const fetchToken = async (): Promise<string> => {
    requested++
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret
    })
    form.set('scope', credentials.scope ?? 'all')
    const res = await transport.send({
      method: 'POST',
      path: url,
      call,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      // Asking for a token twice is harmless, so transient failures are retried.
      idempotent: true,
      limiter,
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {})
    })
    if (res.status !== 200) {
      // The body is Halo's OAuth error ({"error":"invalid_client"}); it never echoes the secret.
      let details: unknown = res.text.slice(0, 300)
      try {
        details = JSON.parse(res.text)
      } catch {
        // keep the text
      }
      throw new PlatformError({
        platform: 'halopsa',
        call,
        kind: res.status === 404 ? 'not_found' : 'auth',
        status: res.status,
        details,
        attempts: res.attempts,
        message: 'token request refused'
      })
    }
    let body: unknown
    try {
      body = JSON.parse(res.text)
    } catch {
      throw new PlatformError({
        platform: 'halopsa',
        call,
        kind: 'invalid_response',
        status: res.status,
        message: 'token answer is not JSON'
      })
    }
    // Never put the token answer itself into an error: it holds the access token.
    const parsed = tokenResponseSchema.safeParse(body)
    if (!parsed.success) {
      throw new PlatformError({
        platform: 'halopsa',
        call,
        kind: 'invalid_response',
        status: res.status,
        details: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        message: 'token answer has no access_token'
      })
    }
    const lifetimeMs = (parsed.data.expires_in ?? DEFAULT_LIFETIME_S) * 1000
    const early = Math.min(EARLY_REFRESH_MS, lifetimeMs / 2)
    cached = { token: parsed.data.access_token, refreshAt: clock.now() + lifetimeMs - early }
    return parsed.data.access_token
  }

  return {
    get() {
      if (cached && clock.now() < cached.refreshAt) return Promise.resolve(cached.token)
      inflight ??= fetchToken().finally(() => {
        inflight = undefined
      })
      return inflight
    },
    invalidate(token) {
      if (cached?.token === token) cached = undefined
    },
    stats: () => ({ requested })
  }
}
