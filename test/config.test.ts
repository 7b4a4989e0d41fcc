import t from 'tap'
import { loadConfig, parseDuration, secretVariables, variablesUsage, type ConfigError } from '../src/config.js'

const valid = {
  API_TOKENS: 'alice:operate:aaaaaaaaaaaaaaaaaaaa,grafana:read:bbbbbbbbbbbbbbbbbbbb',
  GZ_API_URL: 'https://cloud.gravityzone.bitdefender.com/api',
  GZ_API_KEY: 'gz-api-key-123456',
  GZ_PUSH_AUTHORIZATION: 'Bearer push-secret-0123456789',
  HALO_URL: 'https://msp.halopsa.com',
  HALO_CLIENT_ID: 'relay',
  HALO_CLIENT_SECRET: 'halo-secret-123',
  HALO_WEBHOOK_USER: 'halo',
  HALO_WEBHOOK_PASSWORD: 'webhook-password-1'
}

const failure = (env: Record<string, string>): ConfigError => {
  try {
    loadConfig(env)
  } catch (error) {
    return error as ConfigError
  }
  throw new Error('expected the configuration to be refused')
}

t.test('a complete environment gives typed values and the documented defaults', async (t) => {
  const config = loadConfig(valid)
  t.equal(config.PORT, 3000)
  t.equal(config.EVENT_STORE_URL, 'sqlite:./data/relay.db')
  t.equal(config.POLL_INTERVAL, 300_000)
  t.same(config.HALO_RATE_LIMIT, { limit: 250, windowMs: 300_000 })
  t.equal(config.HALO_TICKET_RESERVE, 0.2)
  t.equal(loadConfig({ ...valid, HALO_TICKET_RESERVE: '35%' }).HALO_TICKET_RESERVE, 0.35)
  t.same(
    config.API_TOKENS.map((x) => [x.name, x.scope]),
    [
      ['alice', 'operate'],
      ['grafana', 'read']
    ]
  )
  t.equal(loadConfig({ ...valid, POLL_INTERVAL: '90s', HALO_TENANT: '' }).POLL_INTERVAL, 90_000)
})

t.test('a missing or bad variable is named in one line of plain words, with its value unless secret', async (t) => {
  const { GZ_API_KEY: _, ...missing } = valid
  t.equal(failure(missing).message, 'invalid configuration: GZ_API_KEY is required but not set')
  t.equal(
    failure({ ...valid, PORT: 'abc' }).message,
    'invalid configuration: PORT must be a whole number between 0 and 65535 (got "abc")'
  )
  t.match(failure({ ...valid, POLL_INTERVAL: 'often' }).message, /POLL_INTERVAL must be a duration such as 30s/)
  t.match(failure({ ...valid, POLL_INTERVAL: '5s' }).message, /POLL_INTERVAL must be at least 10s \(got "5s"\)/)
  t.match(failure({ ...valid, EVENT_STORE_URL: 'postgres://x' }).message, /EVENT_STORE_URL must be sqlite:<path>/)
  t.match(
    failure({ ...valid, EVENT_STORE_URL: 'sqlite:./data/relay.db?writer=fast' }).message,
    /EVENT_STORE_URL must name a file or :memory: after sqlite:, with no \?options/
  )
  t.match(failure({ ...valid, HALO_URL: 'not a url' }).message, /HALO_URL must be an http\(s\) URL \(got "not a url"\)/)
  t.match(failure({ ...valid, LOG_LEVEL: 'loud' }).message, /LOG_LEVEL must be one of fatal, error, warn/)
  t.match(failure({ ...valid, HALO_TICKET_RESERVE: '95%' }).message, /HALO_TICKET_RESERVE must be a percentage/)
  t.match(failure({ ...valid, HALO_RATE_LIMIT: 'lots' }).message, /HALO_RATE_LIMIT must be requests\/window/)
  t.equal(
    failure({ ...valid, API_TOKENS: 'a:read:cccccccccccccccccccc,b:read:cccccccccccccccccccc' }).variable,
    'API_TOKENS'
  )
})

t.test('every bad or missing variable is reported at once, without validator jargon', async (t) => {
  const { HALO_URL: _, ...env } = valid
  const error = failure({ ...env, PORT: 'abc', INGEST_THREADS: '99', BILLING_DAILY: 'maybe', GZ_API_KEY: 'short' })
  const lines = error.message.split('\n')
  t.same(
    error.problems.map((p) => p.variable).sort(),
    ['BILLING_DAILY', 'GZ_API_KEY', 'HALO_URL', 'INGEST_THREADS', 'PORT'],
    'one problem per variable'
  )
  t.equal(lines.length, 5, 'one line each')
  t.ok(
    lines.every((l) => l.startsWith('invalid configuration: ')),
    'each line says what it is about'
  )
  t.notMatch(error.message, /expected|received|NaN|Invalid|too_small/, 'plain words only')
  t.match(error.message, /INGEST_THREADS must be a whole number from 0 to 16 \(got "99"\)/)
  t.match(error.message, /BILLING_DAILY must be true or false \(got "maybe"\)/)
  t.match(error.message, /HALO_URL is required but not set/)
})

t.test('a secret is never printed, not even when it is the wrong value', async (t) => {
  const shortSecret = failure({ ...valid, HALO_WEBHOOK_PASSWORD: 'short-pw' })
  t.equal(shortSecret.message, 'invalid configuration: HALO_WEBHOOK_PASSWORD must be at least 12 characters')
  t.notMatch(failure({ ...valid, GZ_API_KEY: 'gz-key' }).message, /gz-key/)
  for (const name of [
    'API_TOKENS',
    'GZ_API_KEY',
    'GZ_PUSH_AUTHORIZATION',
    'HALO_CLIENT_SECRET',
    'HALO_WEBHOOK_PASSWORD'
  ])
    t.ok(secretVariables.has(name), `${name} is a secret`)
})

t.test('a malformed API_TOKENS entry is named by its number, never by what may be its token', async (t) => {
  const cases: [string, RegExp][] = [
    ['supersecrettoken0123456789', /entry 1 is not name:scope:token/],
    ['supersecrettoken0123456789:operate', /entry 1 is not name:scope:token/],
    ['alice:admin:supersecrettoken0123456789', /entry 1 has a scope other than read or operate/],
    ['alice:read:aaaaaaaaaaaaaaaaaaaa,supersecrettoken0123456789:read:x', /entry 2 has a token shorter than 16/],
    ['supersecret token 0123456789:read:aaaaaaaaaaaaaaaaaaaa', /entry 1 has a name that is not 1-64 letters/]
  ]
  for (const [value, expected] of cases) {
    const error = failure({ ...valid, API_TOKENS: value })
    t.match(error.message, expected, value.slice(0, 12))
    t.notMatch(error.message, /supersecret|aaaaaaaa/, 'nothing of the value is printed')
  }
})

t.test('--help lists every variable with its default or whether it is required', async (t) => {
  const usage = variablesUsage()
  for (const name of Object.keys(valid)) t.match(usage, new RegExp(`^  ${name} .*required`, 'm'), name)
  t.match(usage, /^ {2}HALO_TICKET_RESERVE +.*\(default 20%\)$/m)
  t.match(usage, /^ {2}HALO_TENANT +.*\(optional\)$/m)
  t.match(usage, /^ {2}GZ_API_KEY +.*\(required, secret\)$/m)
})

t.test('durations', async (t) => {
  t.equal(parseDuration('5m'), 300_000)
  t.equal(parseDuration('250ms'), 250)
  t.equal(parseDuration('5 minutes'), undefined)
})

t.test('TRUST_PROXY: off by default; true, a hop count, or addresses and CIDR ranges', async (t) => {
  t.equal(loadConfig(valid).TRUST_PROXY, false)
  t.equal(loadConfig({ ...valid, TRUST_PROXY: 'false' }).TRUST_PROXY, false)
  t.equal(loadConfig({ ...valid, TRUST_PROXY: 'true' }).TRUST_PROXY, true)
  t.equal(loadConfig({ ...valid, TRUST_PROXY: '2' }).TRUST_PROXY, 2)
  t.same(loadConfig({ ...valid, TRUST_PROXY: '10.0.0.2, 172.16.0.0/12,fd00::/8' }).TRUST_PROXY, [
    '10.0.0.2',
    '172.16.0.0/12',
    'fd00::/8'
  ])
  for (const bad of ['10.0.0.300', '10.0.0.0/33', 'fd00::/129', 'proxy.internal', '10.0.0.1/8/8', ',']) {
    const error = failure({ ...valid, TRUST_PROXY: bad })
    t.equal(error.variable, 'TRUST_PROXY', bad)
    t.match(error.message, /addresses\/CIDRs/, bad)
  }
})
