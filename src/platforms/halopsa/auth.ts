import type { Clock } from '../transport/clock.js'
import { PlatformError } from '../transport/errors.js'
import type { RateLimiter } from '../transport/rateLimiter.js'
import type { Transport } from '../transport/transport.js'
import { tokenResponseSchema } from './schemas.js'
import { haloObject, haloText } from './wire.js'

/**
 * OAuth2 client credentials against Halo's authorisation server
 * (docs/platforms/halopsa.md#authentication), with a token cache in the style of dotMARC's
 * HaloPsaTokenCache: refresh 60 s before expiry, drop the token on a 401 so the caller can retry
 * once, and let concurrent callers share one token request.
 */

export type HaloCredentials = {
  /** HALO_URL: the instance (resource server is `${url}/api`). */
  url: string
  /**
   * HALO_AUTH_URL: the authorisation server, e.g. `https://tenant.halopsa.com/auth`. When absent it
   * is discovered from `GET {url}/api/authinfo` (discoverTokenUrl).
   */
  authUrl?: string
  /** HALO_TENANT: set for Halo-hosted instances, which need `?tenant=` on the token URL; else discovered. */
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

/** A failed call to the authorisation side; never carries the request (it holds the secret). */
const authError = (
  call: string,
  res: { status: number; attempts?: number },
  kind: PlatformError['kind'],
  message: string,
  details?: unknown
) =>
  new PlatformError({
    platform: 'halopsa',
    call,
    kind,
    status: res.status,
    ...(res.attempts !== undefined ? { attempts: res.attempts } : {}),
    ...(details !== undefined ? { details } : {}),
    message
  })

/** On-premise `${url}/auth/token`; hosted `${authUrl}/token?tenant=<tenant>` (n8n's getAuthUrl, HaloAPI). */
export const tokenUrl = (credentials: Pick<HaloCredentials, 'url' | 'authUrl' | 'tenant'>): string => {
  const base = credentials.authUrl
    ? `${trimSlash(credentials.authUrl)}/token`
    : `${trimSlash(credentials.url)}/auth/token`
  return credentials.tenant ? `${base}?tenant=${encodeURIComponent(credentials.tenant)}` : base
}

const authInfoSchema = haloObject({ auth_url: haloText.optional(), tenant_id: haloText.optional() })

/**
 * The token URL when HALO_AUTH_URL is not set, as HaloAPI's Connect-HaloAPI finds it: `GET
 * {url}/api/authinfo` (anonymous) names the authorisation server (`auth_url`) and, on a hosted
 * instance, the tenant (`tenant_id`); a configured HALO_TENANT wins over the discovered one. An
 * instance without the endpoint (404) or an answer without `auth_url` gets the on-premises default
 * `{url}/auth/token`. Other failures are thrown, so the next token request asks again.
 */
export const discoverTokenUrl = async (options: {
  credentials: HaloCredentials
  transport: Transport
  limiter: RateLimiter
  timeoutMs?: number
}): Promise<string> => {
  const { credentials } = options
  const call = 'GET /api/authinfo'
  const fallback = () =>
    tokenUrl({ url: credentials.url, ...(credentials.tenant ? { tenant: credentials.tenant } : {}) })
  const res = await options.transport.send({
    method: 'GET',
    path: `${trimSlash(credentials.url)}/api/authinfo`,
    call,
    headers: { accept: 'application/json' },
    idempotent: true,
    limiter: options.limiter,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {})
  })
  if (res.status === 404) return fallback()
  if (res.status !== 200) {
    const kind = res.status === 401 || res.status === 403 ? 'auth' : res.status >= 500 ? 'server' : 'rejected'
    throw authError(call, res, kind, 'could not read the instance authentication info')
  }
  let body: unknown
  try {
    body = JSON.parse(res.text)
  } catch {
    return fallback()
  }
  const info = authInfoSchema.safeParse(body)
  const authUrl = info.success ? info.data.auth_url : undefined
  if (!authUrl) return fallback()
  // The client secret goes to this URL: only http(s), and never a downgrade from an https instance.
  if (!/^https?:\/\//.test(authUrl) || (credentials.url.startsWith('https:') && !authUrl.startsWith('https:'))) {
    throw new PlatformError({
      platform: 'halopsa',
      call,
      kind: 'invalid_response',
      status: res.status,
      message: 'the instance names an authorisation server the relay will not send its secret to; set HALO_AUTH_URL'
    })
  }
  const tenant = credentials.tenant ?? (info.success ? info.data.tenant_id : undefined) ?? undefined
  return tokenUrl({ url: credentials.url, authUrl, ...(tenant ? { tenant } : {}) })
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
  const call = 'POST /auth/token'
  let cached: { token: string; refreshAt: number } | undefined
  let inflight: Promise<string> | undefined
  let discovered: Promise<string> | undefined
  let requested = 0

  /** Configured, or discovered once (a failed discovery is asked again next time). */
  const tokenUrlNow = (): Promise<string> => {
    if (credentials.authUrl) return Promise.resolve(tokenUrl(credentials))
    discovered ??= discoverTokenUrl(options).catch((error: unknown) => {
      discovered = undefined
      throw error
    })
    return discovered
  }

  const fetchToken = async (): Promise<string> => {
    const url = await tokenUrlNow()
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
      throw authError(call, res, res.status === 404 ? 'not_found' : 'auth', 'token request refused', details)
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
