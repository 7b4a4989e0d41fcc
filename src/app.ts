import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import fastifySwagger from '@fastify/swagger'
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider
} from 'fastify-type-provider-zod'
import type { ApiToken } from './config.js'
import { newId } from './domain/ids.js'
import type { Relay } from './services/relay.js'
import { registerErrorHandling } from './http/plugins/errorHandler.js'
import { bearerAuth, createFailureLimiters } from './http/plugins/auth.js'
import { clientErrorHandler, frameworkErrors, safetyHeaders } from './http/plugins/protocolErrors.js'
import { eventRoutes } from './http/routes/events.js'
import { mappingRoutes } from './http/routes/mappings.js'
import { assetRoutes } from './http/routes/assets.js'
import { configurationRoutes } from './http/routes/configuration.js'
import { ticketRulesRoutes } from './http/routes/ticketRules.js'
import { createTicketRulesService, type TicketRulesService } from './services/ticketRules.js'
import { auditRoutes } from './http/routes/audit.js'
import { opsRoutes } from './http/routes/ops.js'
import { jobRoutes } from './http/routes/jobs.js'
import { webhookRoutes, type WebhookSecrets } from './http/routes/webhooks.js'
import { doctorRoutes } from './http/routes/doctor.js'
import { statusRoutes } from './http/routes/status.js'
import type { Doctor } from './services/doctor.js'
import type { Processor } from './services/processor.js'
import { parkedRoutes } from './http/routes/parked.js'
import { billingRoutes } from './http/routes/billing.js'
import type { BillingReports } from './services/billing/reports.js'
import type { StatusSource } from './services/status.js'
import type { StreamLimits } from './http/streams.js'
import { ApiError } from './http/errors.js'
import { sendApiError } from './http/plugins/errorHandler.js'

/**
 * Builds the HTTP app from its parts (fastify/demo's shape): error handling, authentication, then
 * routes. Listening and shutdown belong to main.ts; tests build the app and use `inject` or listen
 * on port 0.
 */

type AppOptions = {
  relay: Relay
  tokens: readonly ApiToken[]
  webhooks: WebhookSecrets
  /** A ready-made logger (main.ts's pino instance); none: Fastify does not log. */
  logger?: FastifyBaseLogger
  /** Extra routes registered last (the dashboard). */
  plugins?: ((app: FastifyInstance) => Promise<void>)[]
  /** Failed-credential budget per client address, for each surface (API, each webhook) apart. */
  authFailures?: { limit: number; windowMs: number }
  /** Fastify's `trustProxy` (TRUST_PROXY): whose X-Forwarded-For names the client. Default: nobody's. */
  trustProxy?: boolean | number | string[]
  /** The audit streams' limits (tests shorten them). */
  live?: Partial<StreamLimits>
  /** GET /api/doctor answers 503 not_configured without one. */
  doctor?: Doctor
  /** The ticketing processor, whose parked facts /api/processor/parked shows and retries. */
  processor?: Processor
  /** GET /api/status answers 503 not_configured without one. */
  status?: StatusSource
  /** Billing preview, reconciliation and proposals; 503 not_configured without. */
  billing?: BillingReports
  /** The ticket rules with their HaloPSA checks; without: built on the relay, unchecked. */
  ticketRules?: TicketRulesService
}

/** Secrets never reach logs (docs/operations.md#logs): every header or field that can carry one is censored. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers["event-push-service-md5"]',
  'req.headers.cookie',
  'headers.authorization',
  '*.authorization',
  '*.password',
  '*.clientSecret',
  '*.client_secret',
  '*.apiKey',
  '*.token',
  '*.access_token'
]

export const buildApp = async (options: AppOptions): Promise<FastifyInstance> => {
  const app = Fastify({
    // Fastify 5 takes a ready-made pino instance only as `loggerInstance`.
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    genReqId: () => newId(),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    connectionTimeout: 120_000,
    requestTimeout: 60_000,
    keepAliveTimeout: 10_000,
    // A hop count as Fastify applies one (proxy-addr: the first `n` hops are trusted), as a function
    // because Fastify's types do not take the number.
    trustProxy:
      typeof options.trustProxy === 'number'
        ? (
            (hops: number) => (_address: string, hop: number) =>
              hop < hops
          )(options.trustProxy)
        : (options.trustProxy ?? false),
    // Answers to requests that never reach a route keep the API's error shape (protocolErrors.ts).
    clientErrorHandler,
    frameworkErrors
  }).withTypeProvider<ZodTypeProvider>()
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  registerErrorHandling(app)

  const state = { closing: false }
  app.addHook('preClose', async () => {
    state.closing = true
  })
  // A callback hook, not an async one: it runs on every request and is almost always a no-op.
  app.addHook('onRequest', (request, reply, done) => {
    if (state.closing && !request.url.startsWith('/health')) {
      sendApiError(reply, new ApiError('shutting_down'))
      return
    }
    done()
  })
  // Nothing the API answers is for a cache to keep, nor for a browser to sniff; the dashboard's
  // static files set their own Cache-Control (dashboard.ts). Streams set both themselves.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', safetyHeaders['cache-control'])
    reply.header('x-content-type-options', safetyHeaders['x-content-type-options'])
    done(null, payload)
  })

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'gz-halo-relay',
        description: 'Keeps Bitdefender GravityZone and HaloPSA in sync; every discrepancy is an integration event.',
        version: '0.1.0'
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      tags: ['events', 'mappings', 'configuration', 'audit', 'jobs', 'billing', 'webhooks', 'operations'].map(
        (name) => ({ name })
      )
    },
    transform: (input) => {
      const transformed = jsonSchemaTransform(input)
      const scope = (input.route.config as { scope?: string } | undefined)?.scope
      return scope ? { ...transformed, schema: { ...transformed.schema, security: [{ bearer: [] }] } } : transformed
    },
    transformObject: jsonSchemaTransformObject
  })

  const limiters = createFailureLimiters(options.authFailures ?? { limit: 20, windowMs: 60_000 })
  // The bearer check goes on the routes that name a scope, as their first onRequest hook: before
  // the body is read. The others (webhooks with their platforms' own credentials, operations)
  // carry no hook for it.
  const authenticate = bearerAuth(options.tokens, limiters.api)
  app.addHook('onRoute', (route) => {
    if (!route.config?.scope) return
    const own =
      route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]
    route.onRequest = [authenticate, ...own]
  })

  await app.register(eventRoutes(options.relay))
  await app.register(mappingRoutes(options.relay))
  await app.register(assetRoutes(options.relay))
  await app.register(configurationRoutes(options.relay))
  const { store, runner, handlers, now } = options.relay
  await app.register(
    ticketRulesRoutes(
      options.ticketRules ?? createTicketRulesService({ store, runner, ticketingConfig: handlers.ticketingConfig, now })
    )
  )
  await app.register(auditRoutes(options.relay, options.live))
  await app.register(jobRoutes(options.relay))
  await app.register(opsRoutes(options.relay, state))
  await app.register(webhookRoutes(options.relay, options.webhooks, limiters))
  await app.register(doctorRoutes(options.doctor))
  await app.register(parkedRoutes(options.processor))
  await app.register(statusRoutes(options.status))
  await app.register(billingRoutes(options.billing))
  app.get('/docs', { schema: { hide: true } }, async () => app.swagger())
  app.get('/docs/openapi.json', { schema: { hide: true } }, async () => app.swagger())
  for (const plugin of options.plugins ?? []) await app.register(plugin)
  return app
}
