import { isIP } from 'node:net'
import { z } from 'zod'
import { sqliteOptions } from './store/url.js'
import { RECENT_EVENTS } from '../projections/securityEvents.js'

/**
 * Configuration from the environment (README.md#configuration), validated once at start-up. Every
 * bad or missing variable is reported at once, one line each, in plain words; the value is quoted
 * back only for variables that cannot hold a secret (`secretVariables`), and never a token from
 * API_TOKENS.
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
      ctx.addIssue({ code: 'custom', message: 'must be a duration such as 30s, 5m or 1h' })
      return z.NEVER
    }
    if (ms < min) ctx.addIssue({ code: 'custom', message: `must be at least ${min / 1000}s` })
    return ms
  })

/** Milliseconds, as a number (`2000`) or a duration (`2s`): the lease settings, which tests shorten. */
const Millis = (min: number, max: number) =>
  z.string().transform((value, ctx) => {
    const ms = /^\d+$/.test(value.trim()) ? Number(value) : parseDuration(value)
    if (ms === undefined || ms < min || ms > max) {
      ctx.addIssue({ code: 'custom', message: `must be milliseconds (or a duration such as 2s) from ${min} to ${max}` })
      return z.NEVER
    }
    return ms
  })

const HttpUrl = z.string().refine((v) => {
  try {
    const u = new URL(v)
    return u.protocol === 'http:' || u.protocol === 'https:'
  } catch {
    return false
  }
}, 'must be an http(s) URL')

const Secret = (min: number) => z.string().min(min, `must be at least ${min} characters`)

/**
 * `name:scope:token,…` — names identify the actor in facts, tokens are secrets. Problems name the
 * entry by its number only: in a malformed entry the "name" may well be a token.
 */
const ApiTokens = z.string().transform((value, ctx): ApiToken[] => {
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)
  if (entries.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'must hold at least one name:scope:token entry' })
    return z.NEVER
  }
  const tokens: ApiToken[] = []
  entries.forEach((entry, i) => {
    const [name = '', scope, ...rest] = entry.split(':')
    const token = rest.join(':')
    const problem =
      scope === undefined || rest.length === 0
        ? 'is not name:scope:token'
        : !/^[A-Za-z0-9._@-]{1,64}$/.test(name)
          ? 'has a name that is not 1-64 letters, digits or ._@-'
          : !tokenScopes.includes(scope as TokenScope)
            ? 'has a scope other than read or operate'
            : token.length < 16
              ? 'has a token shorter than 16 characters'
              : undefined
    if (problem) ctx.addIssue({ code: 'custom', message: `entry ${i + 1} ${problem}` })
    else tokens.push({ name, scope: scope as TokenScope, token })
  })
  if (new Set(tokens.map((t) => t.name)).size !== tokens.length)
    ctx.addIssue({ code: 'custom', message: 'has two entries with the same name' })
  if (new Set(tokens.map((t) => t.token)).size !== tokens.length)
    ctx.addIssue({ code: 'custom', message: 'has two entries with the same token' })
  return tokens
})

/** `250/5m`: requests per rolling window. */
const RateWindow = z.string().transform((value, ctx) => {
  const match = /^(\d+)\/(\d+(?:ms|s|m|h))$/.exec(value.trim())
  const windowMs = match ? parseDuration(match[2]!) : undefined
  if (!match || windowMs === undefined || Number(match[1]) < 1) {
    ctx.addIssue({ code: 'custom', message: 'must be requests/window, e.g. 250/5m' })
    return z.NEVER
  }
  return { limit: Number(match[1]), windowMs }
})

/** `20%` → 0.2, up to `max` percent, with `example` in the message. */
const Share = (max: number, example: string) =>
  z.string().transform((value, ctx) => {
    const match = /^(\d{1,4}(?:\.\d+)?)\s*%$/.exec(value.trim())
    const share = match ? Number(match[1]) / 100 : NaN
    if (!(share >= 0 && share <= max / 100)) {
      ctx.addIssue({ code: 'custom', message: `must be a percentage from 0% to ${max}%, e.g. ${example}` })
      return z.NEVER
    }
    return share
  })

/** At most 90%, so background work always keeps some of the window. */
const Percentage = Share(90, '20%')

/** A change in usage from one month to the next worth flagging. */
const Change = Share(1000, '25%')

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

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

const ConfigSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('0.0.0.0'),
    EVENT_STORE_URL: z
      .string()
      .regex(/^(sqlite:.+|esdb(\+discover)?:\/\/.+)$/)
      .refine((url) => {
        if (!url.startsWith('sqlite:')) return true
        try {
          sqliteOptions(url)
          return true
        } catch {
          return false
        }
      }, 'must name a file or :memory: after sqlite:, with no ?options')
      .default('sqlite:./data/relay.db'),
    API_TOKENS: ApiTokens,
    GZ_API_URL: HttpUrl,
    GZ_API_KEY: Secret(8),
    GZ_PUSH_AUTHORIZATION: Secret(16),
    HALO_URL: HttpUrl,
    HALO_AUTH_URL: HttpUrl.optional(),
    HALO_TENANT: z.string().min(1).optional(),
    HALO_CLIENT_ID: z.string().min(1),
    HALO_CLIENT_SECRET: Secret(8),
    HALO_WEBHOOK_USER: z.string().min(1),
    HALO_WEBHOOK_PASSWORD: Secret(12),
    POLL_INTERVAL: Duration(10_000).default(300_000),
    LOG_LEVEL: z.enum(logLevels).default('info'),
    PUBLIC_URL: HttpUrl.optional(),
    HALO_RATE_LIMIT: RateWindow.default({ limit: 250, windowMs: 300_000 }),
    HALO_TICKET_RESERVE: Percentage.default(0.2),
    BILLING_DAILY: Bool.default(false),
    BILLING_APPROVAL: z.enum(['auto', 'manual']).default('auto'),
    BILLING_ALERT_CHANGE: Change.default(0.25),
    PUSH_WATCHDOG_INTERVAL: Duration(60_000).default(900_000),
    INGEST_THREADS: z.coerce.number().int().min(0).max(16).default(1),
    /** Events one GravityZone push delivery may hold; a larger delivery is refused with 413 before any work. */
    PUSH_MAX_EVENTS: z.coerce.number().int().min(1).max(1_000_000).default(10_000),
    /** Which proxies' X-Forwarded-For names the client (failure budgets are per client address). */
    TRUST_PROXY: TrustProxy.default(false),
    /** Read-model snapshots (docs/architecture.md#read-model-snapshots): on, and how often. */
    SNAPSHOTS: Bool.default(true),
    SNAPSHOT_EVERY: z.coerce.number().int().min(0).max(1_000_000_000).default(50_000),
    SNAPSHOT_INTERVAL: Duration(10_000).default(600_000),
    /** Security events whose records stay in memory, newest first (docs/architecture.md#bounded-memory). */
    SECURITY_EVENTS_IN_MEMORY: z.coerce.number().int().min(1).max(10_000_000).default(RECENT_EVENTS),
    /** How often the asset directory is read again in full (docs/assets.md#reading-the-directory). */
    ASSET_POLL_INTERVAL: Duration(0).default(3_600_000),
    /** A link to an endpoint's page in GravityZone's console, which GravityZone does not publish. */
    GZ_ENDPOINT_URL: HttpUrl.refine((v) => v.includes('{endpointId}'), 'must contain {endpointId}').optional(),
    /** The HaloPSA client that gets the tickets of unmapped GravityZone companies; unset: they are skipped. */
    TICKETING_FALLBACK_CLIENT_ID: z.coerce.number().int().positive().optional(),
    /** Encrypts the notification targets' secrets before they enter a fact (docs/notifications.md). */
    NOTIFY_SECRET_KEY: Secret(32).optional(),
    /** This process among several on one EventStoreDB (services/leadership.ts). */
    INSTANCE_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits or ._-')
      .optional(),
    LEASE_RENEW_MS: Millis(50, 60_000).default(2_000),
    LEASE_TTL_MS: Millis(200, 600_000).default(10_000)
  })
  // A leader that misses one renewal still holds the lease; it stops its work one renewal before
  // the lease runs out (services/leadership.ts), which needs a TTL of more than two renewals.
  .superRefine((c, ctx) => {
    if (c.LEASE_TTL_MS <= 2 * c.LEASE_RENEW_MS)
      ctx.addIssue({
        code: 'custom',
        path: ['LEASE_TTL_MS'],
        message: `must be more than twice LEASE_RENEW_MS (${c.LEASE_RENEW_MS} ms)`
      })
  })

export type Config = z.output<typeof ConfigSchema>
type VariableName = keyof Config

/**
 * What each variable means, for `--help` and for messages: `rule` says what a valid value looks
 * like when the validator's own words would not (the custom checks above speak for themselves).
 */
type Variable = { default?: string; what: string; rule?: string; secret?: true }

export const variables: Record<VariableName, Variable> = {
  PORT: { default: '3000', what: 'port to listen on', rule: 'must be a whole number between 0 and 65535' },
  HOST: { default: '0.0.0.0', what: 'address to listen on', rule: 'must not be empty' },
  EVENT_STORE_URL: {
    default: 'sqlite:./data/relay.db',
    what: 'the event store: sqlite:<path>, sqlite::memory:, esdb://host:2113?tls=false or esdb+discover://…',
    rule: 'must be sqlite:<path>, sqlite::memory: or esdb://host:2113?tls=false'
  },
  API_TOKENS: { what: 'name:scope:token,… (scope read or operate, tokens of 16+ characters)', secret: true },
  GZ_API_URL: { what: 'GravityZone Access URL, e.g. https://cloud.gravityzone.bitdefender.com/api' },
  GZ_API_KEY: { what: 'GravityZone API key (8+ characters)', secret: true },
  GZ_PUSH_AUTHORIZATION: { what: 'the Authorization value GravityZone sends with each push (16+)', secret: true },
  HALO_URL: { what: 'HaloPSA instance URL (the API is <HALO_URL>/api)' },
  HALO_AUTH_URL: { what: 'Halo-hosted tenants: the authorisation server' },
  HALO_TENANT: { what: 'Halo-hosted tenants: the tenant name', rule: 'must not be empty' },
  HALO_CLIENT_ID: { what: 'HaloPSA API application (client credentials): its client id', rule: 'must not be empty' },
  HALO_CLIENT_SECRET: { what: 'and its secret (8+ characters)', secret: true },
  HALO_WEBHOOK_USER: { what: "user of the Basic credentials HaloPSA's webhook sends", rule: 'must not be empty' },
  HALO_WEBHOOK_PASSWORD: { what: 'and its password (12+ characters)', secret: true },
  POLL_INTERVAL: { default: '5m', what: 'how often both platforms are checked (at least 10s)' },
  LOG_LEVEL: { default: 'info', what: logLevels.join(', '), rule: `must be one of ${logLevels.join(', ')}` },
  PUBLIC_URL: { what: 'the relay as the platforms reach it; when set, it registers its webhooks there' },
  HALO_RATE_LIMIT: {
    default: '250/5m',
    what: "requests per rolling window against HaloPSA (shared with the instance's other integrations)"
  },
  HALO_TICKET_RESERVE: { default: '20%', what: 'share of that window polls and billing leave to ticket work' },
  BILLING_DAILY: { default: 'false', what: 'also bill the current month once a day', rule: 'must be true or false' },
  BILLING_APPROVAL: {
    default: 'auto',
    what: 'auto: billing runs write at once; manual: they record a proposal an operator approves',
    rule: 'must be auto or manual'
  },
  BILLING_ALERT_CHANGE: {
    default: '25%',
    what: "a mapping's usage change against last month's billed usage worth flagging in preview and reconciliation"
  },
  PUSH_WATCHDOG_INTERVAL: { default: '15m', what: 'how often the GravityZone push service is checked and re-armed' },
  INGEST_THREADS: {
    default: '1',
    what: 'threads that parse large GravityZone deliveries; 0 keeps them on the event loop',
    rule: 'must be a whole number from 0 to 16'
  },
  PUSH_MAX_EVENTS: {
    default: '10000',
    what: 'events one GravityZone push delivery may hold; a larger one is refused with 413',
    rule: 'must be a whole number from 1 to 1000000'
  },
  TRUST_PROXY: {
    default: 'false',
    what: 'proxies whose X-Forwarded-For is believed: false, true, a hop count, or addresses/CIDRs'
  },
  TICKETING_FALLBACK_CLIENT_ID: {
    what: 'HaloPSA client id that gets tickets for unmapped GravityZone companies (unset: they are skipped)',
    rule: 'must be a positive whole number (a HaloPSA client id)'
  },
  NOTIFY_SECRET_KEY: {
    what: "key (32+ characters) that encrypts notification targets' secrets at rest; needed to store one",
    secret: true
  },
  SNAPSHOTS: {
    default: 'true',
    what: 'save the read models now and then and start from them (false: fold every fact at every start)',
    rule: 'must be true or false'
  },
  SNAPSHOT_EVERY: {
    default: '50000',
    what: 'facts folded since the last read-model snapshot that make the next one due (0: only by time)',
    rule: 'must be a whole number from 0 to 1000000000'
  },
  SECURITY_EVENTS_IN_MEMORY: {
    default: String(RECENT_EVENTS),
    what: 'security events whose records stay in memory, newest first (older ones are read back from the store)',
    rule: 'must be a whole number from 1 to 10000000'
  },
  SNAPSHOT_INTERVAL: {
    default: '10m',
    what: 'time after which a read-model snapshot is due when facts arrived since the last (at least 10s)'
  },
  ASSET_POLL_INTERVAL: {
    default: '1h',
    what: 'how often endpoints and HaloPSA assets are read again in full (new mappings: at the next poll)'
  },
  GZ_ENDPOINT_URL: {
    what: "a link to an endpoint in GravityZone's console for tickets, with {endpointId} (and {companyId}) in it"
  },
  INSTANCE_ID: { what: 'this relay among several on one EventStoreDB (default: host name and a random suffix)' },
  LEASE_RENEW_MS: { default: '2000', what: "how often the leader renews its lease on the leader's work" },
  LEASE_TTL_MS: { default: '10000', what: 'how long a lease not renewed holds; more than twice LEASE_RENEW_MS' }
}

/** Variables whose values are never printed, not even when they are wrong. */
export const secretVariables: ReadonlySet<string> = new Set(
  Object.entries(variables)
    .filter(([, v]) => v.secret)
    .map(([name]) => name)
)

/** The environment part of `--help`: one line per variable. */
export const variablesUsage = (): string =>
  Object.entries(variables)
    .map(([name, v]) => {
      const note =
        v.default !== undefined
          ? `default ${v.default}`
          : ConfigSchema.shape[name as VariableName].safeParse(undefined).success
            ? 'optional'
            : 'required'
      return `  ${name.padEnd(24)}${v.what} (${note}${v.secret ? ', secret' : ''})`
    })
    .join('\n')

export type ConfigProblem = { variable: string; message: string }

export class ConfigError extends Error {
  /** The first variable at fault (every one is in `problems`). */
  readonly variable: string
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((p) => `invalid configuration: ${p.message}`).join('\n'))
    this.name = 'ConfigError'
    this.variable = problems[0]?.variable ?? 'environment'
  }
}

const quoted = (value: string) => JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)

// Empty strings count as unset, so `HALO_TENANT=` in an env file means "no tenant".
const cleanedEnv = (env: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''))

/** Parses the environment; throws a ConfigError listing every bad or missing variable. */
export const loadConfig = (env: Record<string, string | undefined> = process.env): Config => {
  const cleaned = cleanedEnv(env)
  const result = ConfigSchema.safeParse(cleaned)
  if (result.success) return result.data
  throw configError(result.error, cleaned)
}

/**
 * One variable as the relay reads it (its default when unset), for a tool that shares the relay's
 * environment; throws a ConfigError when it is invalid.
 */
export const configValue = <K extends VariableName>(name: K, env: Record<string, string | undefined>): Config[K] => {
  const cleaned = cleanedEnv(env)
  const result = z.object({ [name]: ConfigSchema.shape[name] }).safeParse(cleaned)
  if (result.success) return (result.data as Record<string, unknown>)[name] as Config[K]
  throw configError(result.error, cleaned)
}

/** Every variable at fault, one problem each, in plain words (the value only when it cannot be a secret). */
const configError = (error: z.ZodError, cleaned: Record<string, string>): ConfigError => {
  const byVariable = new Map<string, z.core.$ZodIssue[]>()
  for (const issue of error.issues) {
    const variable = String(issue.path[0] ?? 'environment')
    byVariable.set(variable, [...(byVariable.get(variable) ?? []), issue])
  }
  const problems = [...byVariable].map(([variable, issues]): ConfigProblem => {
    const value = cleaned[variable]
    // A rule across variables can fault one left at its default: say the rule, not "required".
    if (value === undefined && issues.every((i) => i.code !== 'custom'))
      return { variable, message: `${variable} is required but not set` }
    const rule = variables[variable as VariableName]?.rule
    const said = [...new Set(issues.map((i) => (i.code === 'custom' || !rule ? i.message : rule)))].join('; ')
    const shown =
      value === undefined
        ? ` (it is ${variables[variable as VariableName]?.default ?? 'unset'})`
        : secretVariables.has(variable)
          ? ''
          : ` (got ${quoted(value)})`
    return { variable, message: `${variable} ${said}${shown}` }
  })
  return new ConfigError(problems)
}
