import { isIP } from 'node:net'
import { z } from 'zod'
import { SQLITE_URL_RULE, sqliteOptions } from './store/url.js'

/**
 * Configuration from the environment (README.md#configuration), validated once at start-up. A bad
 * or missing value stops the process with one line naming the variable; values of secrets are never
 * echoed.
 */

const tokenScopes = ['read', 'operate'] as const
export type TokenScope = (typeof tokenScopes)[number]
export type ApiToken = { name: string; scope: TokenScope; token: string }

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
/** `500ms`, `30s`, `5m`, `1h`, `1d` → milliseconds. */
export const parseDuration = (value: string): number | undefined => {
  const match = /^(\d+)(ms|s|m|h|d)$/.exec(value.trim())
  return match ? Number(match[1]) * durationUnits[match[2]!]! : undefined
}

const Duration = (min: number) =>
  z.string().transform((value, ctx) => {
    const ms = parseDuration(value)
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected a duration such as 30s, 5m or 1h' })
      return z.NEVER
    }
    if (ms < min) ctx.addIssue({ code: 'custom', message: `must be at least ${min / 1000}s` })
    return ms
  })

const HttpUrl = z.string().refine((v) => {
  try {
    const u = new URL(v)
    return u.protocol === 'http:' || u.protocol === 'https:'
  } catch {
    return false
  }
}, 'expected an http(s) URL')

const Secret = (what: string, min = 1) => z.string().min(min, `${what} must be at least ${min} characters`)

/** `name:scope:token,…` — names identify the actor in facts, tokens are secrets. */
const ApiTokens = z.string().transform((value, ctx): ApiToken[] => {
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
  if (entries.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'expected at least one name:scope:token entry' })
    return z.NEVER
  }
  const tokens: ApiToken[] = []
  entries.forEach((entry, i) => {
    const [name, scope, ...rest] = entry.split(':')
    const token = rest.join(':')
    if (!name || !/^[A-Za-z0-9._@-]{1,64}$/.test(name))
      ctx.addIssue({ code: 'custom', message: `entry ${i + 1}: the name must be 1-64 letters, digits or ._@-` })
    else if (!tokenScopes.includes(scope as TokenScope))
      ctx.addIssue({ code: 'custom', message: `entry ${i + 1} (${name}): the scope must be read or operate` })
    else if (token.length < 16)
      ctx.addIssue({ code: 'custom', message: `entry ${i + 1} (${name}): the token must be at least 16 characters` })
    else tokens.push({ name, scope: scope as TokenScope, token })
  })
  if (new Set(tokens.map((t) => t.name)).size !== tokens.length)
    ctx.addIssue({ code: 'custom', message: 'token names must be unique' })
  if (new Set(tokens.map((t) => t.token)).size !== tokens.length)
    ctx.addIssue({ code: 'custom', message: 'two entries share one token' })
  return tokens
})

/** `250/5m`: requests per rolling window. */
const RateWindow = z.string().transform((value, ctx) => {
  const match = /^(\d+)\/(\d+(?:ms|s|m|h))$/.exec(value.trim())
  const windowMs = match ? parseDuration(match[2]!) : undefined
  if (!match || windowMs === undefined || Number(match[1]) < 1) {
    ctx.addIssue({ code: 'custom', message: 'expected requests/window, e.g. 250/5m' })
    return z.NEVER
  }
  return { limit: Number(match[1]), windowMs }
})

/**
 * TRUST_PROXY, as Fastify's `trustProxy`: `false` (the default: X-Forwarded-For is ignored and the
 * client is the peer of the socket), `true` (trust every hop: only when nothing but the proxy can
 * reach the relay), a hop count, or a comma-separated list of proxy addresses and CIDR ranges.
 */
const TrustProxy = z.string().transform((value, ctx): boolean | number | string[] => {
  const v = value.trim().toLowerCase()
  if (v === 'false' || v === '0' || v === 'no') return false
  if (v === 'true' || v === 'yes') return true
  if (/^\d{1,2}$/.test(v)) return Number(v)
  const entries = v
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
  const valid = (entry: string): boolean => {
    const [address, bits, ...rest] = entry.split('/')
    const family = isIP(address ?? '')
    if (family === 0 || rest.length > 0) return false
    if (bits === undefined) return true
    return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128)
  }
  const bad = entries.find((e) => !valid(e))
  if (entries.length === 0 || bad !== undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected false, true, a hop count, or addresses/CIDRs such as 10.0.0.1,172.16.0.0/12${bad !== undefined ? ` (not one: ${bad.slice(0, 60)})` : ''}`
    })
    return z.NEVER
  }
  return entries
})

const Bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes')

const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  EVENT_STORE_URL: z
    .string()
    .regex(
      /^(sqlite:.+|esdb(\+discover)?:\/\/.+)$/,
      'expected sqlite:<path>, sqlite::memory: or esdb://host:2113?tls=false'
    )
    .refine((url) => {
      if (!url.startsWith('sqlite:')) return true
      try {
        sqliteOptions(url)
        return true
      } catch {
        return false
      }
    }, SQLITE_URL_RULE)
    .default('sqlite:./data/relay.db'),
  API_TOKENS: ApiTokens,
  GZ_API_URL: HttpUrl,
  GZ_API_KEY: Secret('GZ_API_KEY', 8),
  GZ_PUSH_AUTHORIZATION: Secret('GZ_PUSH_AUTHORIZATION', 16),
  HALO_URL: HttpUrl,
  HALO_AUTH_URL: HttpUrl.optional(),
  HALO_TENANT: z.string().min(1).optional(),
  HALO_CLIENT_ID: z.string().min(1),
  HALO_CLIENT_SECRET: Secret('HALO_CLIENT_SECRET', 8),
  HALO_WEBHOOK_USER: z.string().min(1),
  HALO_WEBHOOK_PASSWORD: Secret('HALO_WEBHOOK_PASSWORD', 12),
  POLL_INTERVAL: Duration(10_000).default(300_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The relay's URL as GravityZone and HaloPSA reach it; when set, the relay registers its webhooks there. */
  PUBLIC_URL: HttpUrl.optional(),
  /** HaloPSA's rolling window, shared with every other integration on the same instance. */
  HALO_RATE_LIMIT: RateWindow.default({ limit: 250, windowMs: 300_000 }),
  /** Also bill the current month every day (the vendor only bills on day 2 of the next month). */
  BILLING_DAILY: Bool.default(false),
  PUSH_WATCHDOG_INTERVAL: Duration(60_000).default(900_000),
  /** Threads that parse and classify large GravityZone deliveries off the event loop; 0 keeps them on it. */
  INGEST_THREADS: z.coerce.number().int().min(0).max(16).default(1),
  /** Events one GravityZone push delivery may hold; a larger delivery is refused with 413 before any work. */
  PUSH_MAX_EVENTS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
  /** Which proxies' X-Forwarded-For names the client (failure budgets are per client address). */
  TRUST_PROXY: TrustProxy.default(false)
})

export type Config = z.output<typeof ConfigSchema>

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string
  ) {
    super(`invalid configuration: ${variable}: ${reason}`)
    this.name = 'ConfigError'
  }
}

/** Parses the environment; throws a ConfigError naming the first bad variable. */
export const loadConfig = (env: Record<string, string | undefined> = process.env): Config => {
  // Empty strings count as unset, so `HALO_TENANT=` in an env file means "no tenant".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const result = ConfigSchema.safeParse(cleaned)
  if (result.success) return result.data
  const issue = result.error.issues[0]!
  const variable = String(issue.path[0] ?? 'environment')
  const reason =
    issue.code === 'invalid_type' && cleaned[variable] === undefined ? 'is required but not set' : issue.message
  throw new ConfigError(variable, reason)
}
