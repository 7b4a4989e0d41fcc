import t from 'tap'
import { loadConfig, type ConfigError } from '../../src/config.js'
import { instanceIdOf } from '../../src/services/leadership.js'

// The lease settings and the instance id (docs/deployment.md#several-instances).

const valid = {
  API_TOKENS: 'alice:operate:aaaaaaaaaaaaaaaaaaaa',
  GZ_API_URL: 'https://cloud.gravityzone.bitdefender.com/api',
  GZ_API_KEY: 'gz-api-key-123456',
  GZ_PUSH_AUTHORIZATION: 'Bearer push-secret-0123456789',
  HALO_URL: 'https://msp.halopsa.com',
  HALO_CLIENT_ID: 'relay',
  HALO_CLIENT_SECRET: 'halo-secret-123',
  HALO_WEBHOOK_USER: 'halo',
  HALO_WEBHOOK_PASSWORD: 'webhook-password-1'
}

const refusal = (env: Record<string, string>): string => {
  try {
    loadConfig({ ...valid, ...env })
  } catch (error) {
    return (error as ConfigError).message
  }
  throw new Error('expected the configuration to be refused')
}

t.test('the lease is renewed every 2 s and holds 10 s unless set, in milliseconds or as a duration', async (t) => {
  t.match(loadConfig(valid), { LEASE_RENEW_MS: 2_000, LEASE_TTL_MS: 10_000 })
  t.match(loadConfig({ ...valid, LEASE_RENEW_MS: '500', LEASE_TTL_MS: '3s' }), {
    LEASE_RENEW_MS: 500,
    LEASE_TTL_MS: 3_000
  })
})

t.test(
  'a lease of no more than two renewals is refused, naming both variables, whichever was left unset',
  async (t) => {
    t.equal(
      refusal({ LEASE_RENEW_MS: '1000', LEASE_TTL_MS: '2000' }),
      'invalid configuration: LEASE_TTL_MS must be more than twice LEASE_RENEW_MS (1000 ms) (got "2000")'
    )
    t.equal(
      refusal({ LEASE_RENEW_MS: '6s' }),
      'invalid configuration: LEASE_TTL_MS must be more than twice LEASE_RENEW_MS (6000 ms) (it is 10000)'
    )
    t.match(refusal({ LEASE_TTL_MS: 'soon' }), /LEASE_TTL_MS must be milliseconds \(or a duration such as 2s\)/)
  }
)

t.test(
  'the instance id is INSTANCE_ID when set, else the host name with a suffix that differs per process',
  async (t) => {
    t.equal(instanceIdOf('relay-1'), 'relay-1')
    const [one, two] = [instanceIdOf(undefined), instanceIdOf(undefined)]
    t.match(one, /^.+-[0-9a-f]{6}$/)
    t.not(one, two)
    t.match(refusal({ INSTANCE_ID: 'has spaces' }), /INSTANCE_ID must be 1-64 letters, digits or \._-/)
  }
)
