import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { StatusSource } from '../../services/status.js'
import { ApiError } from '../errors.js'
import { errorResponses } from '../schemas.js'

/** `GET /api/status`: platforms, jobs, the ticketing processor and HaloPSA's budget (docs/operations.md). */

const Platform = z.object({
  state: z.enum(['up', 'down', 'unknown']),
  lastSuccessAt: z.string().nullable(),
  lastFailureAt: z.string().nullable(),
  lastError: z.object({ kind: z.string(), message: z.string() }).nullable(),
  consecutiveFailures: z.number().int()
})

const Job = z.object({
  running: z.boolean(),
  lastRun: z
    .object({
      runId: z.string(),
      status: z.enum(['running', 'succeeded', 'failed', 'skipped']),
      startedAt: z.string(),
      finishedAt: z.string().optional(),
      reason: z.string().optional(),
      errors: z.array(z.string()).optional()
    })
    .nullable()
})

const RelayStatus = z
  .object({
    platforms: z.object({ gravityzone: Platform, halopsa: Platform }),
    jobs: z.object({ sync: Job, billing: Job, pushWatchdog: Job }),
    processor: z.object({
      lagFacts: z.number().int().describe('store head minus the ticketing processor position, in positions'),
      pending: z.number().int().describe('security events whose ticket creation is being retried'),
      parked: z.number().int().describe('facts set aside after failing the same way (GET /api/processor/parked)')
    }),
    webhooks: z.object({
      halopsa: z
        .object({
          status: z.enum(['unchecked', 'not-registered', 'complete', 'incomplete']),
          url: z.string().optional(),
          webhookId: z.string().optional(),
          reason: z.string().optional(),
          missing: z.unknown().optional(),
          message: z.string().optional(),
          checkedAt: z.string().optional()
        })
        .describe("the HaloPSA webhook as last read back; 'incomplete' is finished by hand (docs/platforms)"),
      gravityzone: z.object({
        droppedEventTypes: z.array(z.string()).describe('event types GravityZone refused at the last registration')
      })
    }),
    budget: z.object({
      halopsa: z.object({
        used: z.number().int(),
        limit: z.number().int(),
        windowSeconds: z.number(),
        reservedForTickets: z.number().int()
      })
    }),
    instance: z
      .object({
        id: z.string().describe('INSTANCE_ID, or the host name with a random suffix'),
        role: z.enum(['leader', 'follower']).describe('the leader runs the scheduler and the ticketing processor'),
        term: z.number().int().describe("the lease's term: it grows by one at each change of leader"),
        since: z.string().describe('when this instance took its role')
      })
      .optional()
  })
  .meta({ id: 'RelayStatus' })

export const statusRoutes =
  (source: StatusSource | undefined): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/status',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['operations'],
          summary: 'Whether each platform answers, each job, the ticketing processor and the HaloPSA budget',
          response: { 200: RelayStatus, ...errorResponses(401, 503) }
        }
      },
      async () => {
        if (!source) throw new ApiError('not_configured', 'the platform connections are not configured')
        return source.status()
      }
    )
  }
