import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Relay } from '../../services/relay.js'
import { ApiError } from '../errors.js'
import { BillingRunQuery, errorResponses } from '../schemas.js'

/** Run the polling checks or a billing run now (docs/architecture.md#scheduled-work). */
export const jobRoutes =
  (relay: Relay): FastifyPluginAsyncZod =>
  async (app) => {
    const jobs = () => {
      if (!relay.jobs) throw new ApiError('not_configured', 'the platform connections are not configured')
      return relay.jobs
    }

    app.post(
      '/api/sync/run',
      {
        config: { scope: 'operate' },
        schema: {
          tags: ['jobs'],
          summary: 'Run the inventory and configuration checks now',
          response: { 200: z.record(z.string(), z.unknown()), ...errorResponses(401, 403, 409, 503) }
        }
      },
      async (request) => (await jobs().syncNow(request.actor!.name)) as Record<string, unknown>
    )

    app.post(
      '/api/billing/run',
      {
        config: { scope: 'operate' },
        schema: {
          tags: ['jobs'],
          summary: 'Run billing for a month now (MM/YYYY; default: last month)',
          querystring: BillingRunQuery,
          response: { 200: z.record(z.string(), z.unknown()), ...errorResponses(400, 401, 403, 409, 503) }
        }
      },
      async (request) => (await jobs().billingRun(request.query.month, request.actor!.name)) as Record<string, unknown>
    )
  }
