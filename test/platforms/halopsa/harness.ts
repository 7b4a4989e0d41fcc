import { request } from 'undici'
import {
  createHaloPsaClient,
  type HaloPsaClient,
  type HaloPsaClientOptions
} from '../../../src/platforms/halopsa/client.js'
import {
  startHaloPsaSimulator,
  type HaloPsaSimulator,
  type HaloPsaSimulatorOptions
} from '../../../simulators/halopsa/server.js'
import { isPlatformError, type PlatformError } from '../../../src/platforms/transport/errors.js'

/** A simulator and a client pointed at it, both closed when the test ends. */

export const CLIENT_ID = 'relay-app'
export const SECRET = 's3cr3t-halo-client-secret'

type Teardown = { teardown(fn: () => unknown): void }

export const startSimulator = async (
  t: Teardown,
  options: Partial<HaloPsaSimulatorOptions> = {}
): Promise<HaloPsaSimulator> => {
  const sim = await startHaloPsaSimulator({ clientId: CLIENT_ID, clientSecret: SECRET, seed: 'demo', ...options })
  t.teardown(() => sim.close())
  return sim
}

/** Fast retries so failure paths take milliseconds. */
export const quickRetry = { retries: 3, minDelayMs: 5, maxDelayMs: 40, defaultRetryAfterMs: 100 }

export const connect = (
  t: Teardown,
  sim: HaloPsaSimulator,
  options: Partial<HaloPsaClientOptions> = {}
): HaloPsaClient => {
  const client = createHaloPsaClient({
    url: sim.url,
    clientId: CLIENT_ID,
    clientSecret: SECRET,
    timeoutMs: 3000,
    retry: quickRetry,
    ...options
  })
  t.teardown(() => client.close())
  return client
}

export const startPair = async (
  t: Teardown,
  sim: Partial<HaloPsaSimulatorOptions> = {},
  client: Partial<HaloPsaClientOptions> = {}
) => {
  const simulator = await startSimulator(t, sim)
  return { sim: simulator, client: connect(t, simulator, client) }
}

/** The PlatformError a promise rejects with (fails the test when it resolves or throws something else). */
export const platformError = async (promise: Promise<unknown>): Promise<PlatformError> => {
  try {
    await promise
  } catch (error) {
    if (isPlatformError(error)) return error
    throw error
  }
  throw new Error('expected a PlatformError, but the call succeeded')
}

/** Everything an error could leak through: message, details, JSON, cause chain. */
export const everythingIn = (error: PlatformError): string =>
  [
    error.message,
    String(error.stack),
    JSON.stringify(error),
    JSON.stringify(error.details ?? null),
    String((error.cause as Error | undefined)?.message ?? '')
  ].join('\n')

/** Raw HTTP against the simulator, for behaviour the client does not exercise. */
export const rawApi = async (sim: HaloPsaSimulator) => {
  const tokenRes = await request(`${sim.url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: SECRET
    }).toString()
  })
  const { access_token: token } = (await tokenRes.body.json()) as { access_token: string }
  const call = async (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => {
    const res = await request(sim.url + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {})
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {})
    })
    const text = await res.body.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      json = undefined
    }
    return { status: res.statusCode, headers: res.headers, text, json: json as never }
  }
  return {
    token,
    call,
    get: (path: string) => call('GET', path),
    post: (path: string, body: unknown) => call('POST', path, body),
    delete: (path: string) => call('DELETE', path)
  }
}

/** A clock whose time can be moved forward (sleeps still take real time, shortened by nothing). */
export const offsetClock = () => {
  let offset = 0
  return {
    now: () => Date.now() + offset,
    sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    advance(ms: number) {
      offset += ms
    }
  }
}
