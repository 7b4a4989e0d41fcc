import { randomBytes } from 'node:crypto'
import { loadConfig } from '../src/config.js'
import { composeRelay, type ComposeOptions, type ComposedRelay } from '../src/compose.js'
import { startGravityZoneSimulator, type GravityZoneSimulator } from '../simulators/gravityzone/server.js'
import { startHaloPsaSimulator } from '../simulators/halopsa/server.js'

/**
 * The whole product on loopback: both platform simulators and the relay configured against them,
 * its push settings and HaloPSA webhook registered where it actually listens. `npm run demo`
 * and the end-to-end tests start it; only the two SaaS platforms are simulated.
 */

export type StackOptions = Omit<ComposeOptions, 'logger'> & {
  logger?: ComposeOptions['logger']
  seed?: 'demo' | 'empty'
  /** The relay's port (0: any free one). */
  port?: number
  host?: string
  eventStoreUrl?: string
  pollInterval?: string
  /** HaloPSA's window on both sides (simulator and client): `{ limit, windowMs }`. */
  haloWindow?: { limit: number; windowMs: number }
  gravityzoneSimulatorLimits?: Parameters<typeof startGravityZoneSimulator>[0]['limits']
  env?: Record<string, string>
  /**
   * Create the HaloPSA webhook in the simulator as an operator does by hand (default true). False
   * leaves the relay to register it through the API, which leaves it incomplete until finished.
   */
  haloWebhookByHand?: boolean
}

export type Stack = {
  url: string
  token: string
  gravityzone: GravityZoneSimulator
  halopsa: Awaited<ReturnType<typeof startHaloPsaSimulator>>
  relay: ComposedRelay
  secrets: {
    gzApiKey: string
    pushAuthorization: string
    haloClientId: string
    haloClientSecret: string
    haloWebhookUser: string
    haloWebhookPassword: string
  }
  /** Resolves once the relay has handled everything appended so far (tickets written, read models up to date). */
  settle(): Promise<void>
  close(): Promise<void>
}

/** The relay's JSON API as an operator's script calls it: bearer token, JSON in, status and JSON out. */
export type ApiCall = (
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal
) => Promise<{ status: number; body: any }> // eslint-disable-line @typescript-eslint/no-explicit-any

export const apiClient =
  (url: string, token: string): ApiCall =>
  async (method, path, body, signal) => {
    const res = await fetch(url + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {})
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(signal ? { signal } : {})
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : null }
  }

const secret = (bytes = 18) => randomBytes(bytes).toString('base64url')

export const startStack = async (options: StackOptions = {}): Promise<Stack> => {
  const secrets = {
    gzApiKey: `gz-${secret(12)}`,
    pushAuthorization: `Bearer ${secret()}`,
    haloClientId: 'gz-halo-relay',
    haloClientSecret: secret(),
    haloWebhookUser: 'halopsa',
    haloWebhookPassword: secret()
  }
  const token = secret(24)
  const seed = options.seed ?? 'demo'
  const haloWindow = options.haloWindow ?? { limit: 300, windowMs: 300_000 }
  const gravityzone = await startGravityZoneSimulator({
    apiKey: secrets.gzApiKey,
    seed,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.gravityzoneSimulatorLimits ? { limits: options.gravityzoneSimulatorLimits } : {})
  })
  const halopsa = await startHaloPsaSimulator({
    clientId: secrets.haloClientId,
    clientSecret: secrets.haloClientSecret,
    seed: seed === 'demo' ? 'demo' : 'none',
    rateLimit: haloWindow,
    ...(options.clock ? { clock: options.clock } : {})
  })
  try {
    const config = loadConfig({
      API_TOKENS: `operator:operate:${token}`,
      EVENT_STORE_URL: options.eventStoreUrl ?? 'sqlite::memory:',
      GZ_API_URL: gravityzone.url,
      GZ_API_KEY: secrets.gzApiKey,
      GZ_PUSH_AUTHORIZATION: secrets.pushAuthorization,
      HALO_URL: halopsa.url,
      HALO_CLIENT_ID: secrets.haloClientId,
      HALO_CLIENT_SECRET: secrets.haloClientSecret,
      HALO_WEBHOOK_USER: secrets.haloWebhookUser,
      HALO_WEBHOOK_PASSWORD: secrets.haloWebhookPassword,
      // The client keeps a margin below the simulator's window, as the relay does below Halo's.
      HALO_RATE_LIMIT: `${Math.max(1, Math.floor(haloWindow.limit * 0.9))}/${haloWindow.windowMs}ms`,
      POLL_INTERVAL: options.pollInterval ?? '5m',
      LOG_LEVEL: 'silent',
      ...options.env
    })
    const {
      seed: _s,
      port: _p,
      host: _h,
      eventStoreUrl: _e,
      pollInterval: _i,
      haloWindow: _w,
      gravityzoneSimulatorLimits: _g,
      env: _v,
      haloWebhookByHand: _b,
      ...compose
    } = options
    const relay = await composeRelay(config, { schedule: false, ...compose })
    await relay.start()
    const url = await relay.app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' })
    // The operator has created the relay's webhook in HaloPSA by hand (docs/platforms/halopsa-webhook-setup.md):
    // HaloPSA's event numbers are unpublished, so one the relay registers itself needs finishing there.
    if (options.haloWebhookByHand !== false)
      halopsa.state.createWebhook({
        name: 'gz-halo-relay',
        url: `${url}/webhooks/halopsa`,
        username: secrets.haloWebhookUser,
        password: secrets.haloWebhookPassword
      })
    await relay.pushService.register(url)
    return {
      url,
      token,
      gravityzone,
      halopsa,
      relay,
      secrets,
      async settle() {
        const head = await relay.relay.store.headPosition()
        await Promise.all([relay.processor.waitForPosition(head), relay.relay.runner.waitForPosition(head)])
      },
      async close() {
        await relay.close()
        await gravityzone.close()
        await halopsa.close()
      }
    }
  } catch (error) {
    await gravityzone.close()
    await halopsa.close()
    throw error
  }
}
