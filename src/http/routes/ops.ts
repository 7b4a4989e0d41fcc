import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Relay } from '../../services/relay.js'
import { errorResponses } from '../schemas.js'

/** Operations (no token): liveness, readiness, Prometheus metrics. */
export const opsRoutes =
  (relay: Relay, state: { closing: boolean }): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/health',
      {
        schema: {
          tags: ['operations'],
          summary: 'Liveness: the process answers',
          response: { 200: z.object({ status: z.literal('ok'), uptimeSeconds: z.number() }) }
        }
      },
      async () => ({ status: 'ok' as const, uptimeSeconds: Math.round(process.uptime()) })
    )

    app.get(
      '/ready',
      {
        schema: {
          tags: ['operations'],
          summary: 'Readiness: the store answers and the read models have caught up',
          response: {
            200: z.object({ status: z.literal('ready'), store: z.string(), position: z.string(), head: z.string() }),
            503: z.object({ status: z.literal('not-ready'), reason: z.string() })
          }
        }
      },
      async (_request, reply) => {
        if (state.closing) return reply.code(503).send({ status: 'not-ready' as const, reason: 'shutting down' })
        try {
          await relay.store.ping()
          const head = await relay.store.headPosition()
          const { caughtUp } = relay.runner.stats()
          if (!caughtUp)
            return reply.code(503).send({ status: 'not-ready' as const, reason: 'read models are still catching up' })
          return {
            status: 'ready' as const,
            store: relay.store.kind,
            position: relay.runner.position().toString(),
            head: head.toString()
          }
        } catch {
          return reply.code(503).send({ status: 'not-ready' as const, reason: 'the event store does not answer' })
        }
      }
    )

    app.get(
      '/metrics',
      {
        schema: {
          tags: ['operations'],
          summary: 'Prometheus metrics',
          response: { 200: z.string(), ...errorResponses(500) }
        }
      },
      async (_request, reply) => {
        reply.type(relay.metrics.contentType)
        return relay.metrics.render()
      }
    )
  }
