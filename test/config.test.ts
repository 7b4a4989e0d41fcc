import t from 'tap'
import { loadConfig, parseDuration, type ConfigError } from '../src/config.js'

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
  t.same(
    config.API_TOKENS.map((x) => [x.name, x.scope]),
    [
      ['alice', 'operate'],
      ['grafana', 'read']
    ]
  )
  t.equal(loadConfig({ ...valid, POLL_INTERVAL: '90s', HALO_TENANT: '' }).POLL_INTERVAL, 90_000)
})

t.test('a missing or bad variable is named in one line, without its value', async (t) => {
  const { GZ_API_KEY: _, ...missing } = valid
  t.equal(failure(missing).message, 'invalid configuration: GZ_API_KEY: is required but not set')
  t.match(failure({ ...valid, PORT: 'eighty' }).message, /^invalid configuration: PORT: /)
  t.match(failure({ ...valid, POLL_INTERVAL: 'often' }).message, /POLL_INTERVAL: expected a duration/)
  t.match(failure({ ...valid, EVENT_STORE_URL: 'postgres://x' }).message, /EVENT_STORE_URL: expected sqlite:/)
  t.match(
    failure({ ...valid, EVENT_STORE_URL: 'sqlite:./data/relay.db?writer=fast' }).message,
    /EVENT_STORE_URL: a sqlite: URL names a file or :memory: and takes no \?options/
  )
  t.match(failure({ ...valid, HALO_URL: 'not a url' }).message, /HALO_URL: expected an http\(s\) URL/)
  const badToken = failure({ ...valid, API_TOKENS: 'alice:admin:supersecretvalue12345' })
  t.match(badToken.message, /API_TOKENS: entry 1 \(alice\): the scope must be read or operate/)
  t.notMatch(badToken.message, /supersecretvalue/, 'the token is not echoed')
  const shortSecret = failure({ ...valid, HALO_WEBHOOK_PASSWORD: 'short' })
  t.match(shortSecret.message, /HALO_WEBHOOK_PASSWORD: .* at least 12 characters/)
  t.notMatch(shortSecret.message, /short"|: short/)
  t.equal(
    failure({ ...valid, API_TOKENS: 'a:read:cccccccccccccccccccc,b:read:cccccccccccccccccccc' }).variable,
    'API_TOKENS'
  )
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
