import Fastify, { type FastifyInstance } from 'fastify'
import { ZodError } from 'zod'
import { systemClock, type Clock } from '../../src/platforms/transport/clock.js'
import { createFaultController, installFaults, type FaultController } from '../kit/faults.js'
import { installAuth } from './auth.js'
import type { Quirks, SimBehaviour, SimContext } from './context.js'
import { registerControlRoutes } from './controlRoutes.js'
import { createControls, type HaloPsaSimState } from './controls.js'
import type { Area } from './resource.js'
import { registerCustomers } from './routes/customers.js'
import { registerInvoices } from './routes/invoices.js'
import { registerLookups } from './routes/lookups.js'
import { registerTickets } from './routes/tickets.js'
import { registerAssets } from './routes/assets.js'
import { seedData, type SeedName } from './seed.js'
import { installTraffic, type RateLimitSettings } from './traffic.js'
import { createWebhookEmitter, type WebhookEmitter } from './webhookEmitter.js'

declare module 'fastify' {
  // Fastify's route config is an interface; the simulator tags each route with its scope area.
  interface FastifyContextConfig {
    halo?: Area
  }
}

/**
 * A faithful HaloPSA instance on 127.0.0.1 (docs/testing.md#the-simulators): the URL it returns is
 * what HALO_URL takes (`/auth/token` and `/api/...` below it).
 */

export type HaloPsaSimulatorOptions = {
  port?: number
  host?: string
  clientId: string
  clientSecret: string
  tenant?: string
  seed?: SeedName
  clock?: Clock
  /** Default 300 requests per 300 s without Retry-After (Halo's observed limit; header unconfirmed). */
  rateLimit?: Partial<RateLimitSettings>
  scopes?: string[]
  tokenLifetimeS?: number
  quirks?: Partial<Quirks>
  behaviour?: Partial<
    Pick<
      SimBehaviour,
      'unknownIdStatus' | 'ticketPageSize' | 'clientDelete' | 'clientEvents' | 'ticketEvents' | 'webhookPayload'
    >
  >
  webhooks?: { timeoutMs?: number; retries?: number; retryDelayMs?: number }
}

export type HaloPsaSimulator = {
  /** The instance URL (HALO_URL), e.g. http://127.0.0.1:40123 */
  url: string
  state: HaloPsaSimState
  faults: FaultController
  webhooks: WebhookEmitter
  app: FastifyInstance
  /** An outage: stops listening and drops open connections (calls are refused); the data is kept. */
  stop(): Promise<void>
  /** Back after stop(), on the same port. */
  resume(): Promise<void>
  close(): Promise<void>
}

export const startHaloPsaSimulator = async (options: HaloPsaSimulatorOptions): Promise<HaloPsaSimulator> => {
  const clock = options.clock ?? systemClock
  const behaviour: SimBehaviour = {
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    ...(options.tenant !== undefined ? { tenant: options.tenant } : {}),
    grantedScopes: options.scopes ?? ['all'],
    tokenLifetimeS: options.tokenLifetimeS ?? 3600,
    seed: options.seed ?? 'none',
    unknownIdStatus: 404,
    ticketPageSize: 'clamp',
    clientDelete: 'remove',
    clientEvents: false,
    ticketEvents: false,
    webhookPayload: 'full',
    ...options.behaviour
  }
  const ctx: SimContext = {
    data: seedData(behaviour.seed, clock.now()),
    clock,
    behaviour,
    quirks: { ids: 'number', keys: 'as-is', ...options.quirks },
    // The emitter needs the context's data, the context needs the emitter: resolved at call time.
    notify: (notice) => emitter.notify(notice)
  }
  const emitter = createWebhookEmitter({
    data: () => ctx.data,
    behaviour: () => ctx.behaviour,
    clock,
    ...options.webhooks
  })

  const app = Fastify({ logger: false, routerOptions: { caseSensitive: false }, bodyLimit: 10 * 1024 * 1024 })
  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof ZodError)
      return reply.code(400).send({ error: 'invalid request', issues: error.issues.map((i) => i.message) })
    const status = (error as { statusCode?: number }).statusCode ?? 500
    return reply.code(status).send({ Message: status >= 500 ? 'An error has occurred.' : (error as Error).message })
  })

  // Order matters: traffic (log + rate limit) on arrival, then faults, then the Bearer check.
  const traffic = installTraffic(app, ctx, {
    enabled: true,
    limit: 300,
    windowMs: 300_000,
    retryAfter: false,
    ...options.rateLimit
  })
  const faults = createFaultController()
  installFaults(app, faults)
  const tokens = installAuth(app, ctx)
  registerCustomers(app, ctx)
  registerInvoices(app, ctx)
  registerTickets(app, ctx)
  registerAssets(app, ctx)
  registerLookups(app, ctx)
  const state = createControls(ctx, tokens, traffic)
  registerControlRoutes(app, state, emitter)

  let closing: Promise<void> | undefined
  const address = await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' })
  const url = address.replace('[::1]', '127.0.0.1')
  return {
    url,
    state,
    faults,
    webhooks: emitter,
    app,
    // The node server under Fastify, not Fastify itself: a closed Fastify instance cannot listen again.
    stop: () =>
      new Promise<void>((resolve) => {
        if (!app.server.listening) return resolve()
        app.server.close(() => resolve())
        app.server.closeAllConnections()
      }),
    resume: () =>
      new Promise<void>((resolve, reject) => {
        if (app.server.listening) return resolve()
        const { hostname, port } = new URL(url)
        app.server.once('error', reject)
        app.server.listen(Number(port), hostname, () => {
          app.server.off('error', reject)
          resolve()
        })
      }),
    close: () =>
      (closing ??= (async () => {
        await emitter.close()
        await app.close()
      })())
  }
}
