import type { FastifyReply } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { JobRun } from '../../services/jobs.js'
import type { Relay } from '../../services/relay.js'
import { ApiError } from '../errors.js'
import { BillingRunQuery, errorResponses } from '../schemas.js'

/**
 * Run the polling checks or a billing run now, and follow a run (docs/operations.md#jobs). A
 * request never holds its connection longer than its `wait`: it answers 200 with the result when
 * the run finished by then, 202 with the run id otherwise — at once when the run has to wait for
 * HaloPSA's rate budget beyond it — and GET /api/jobs/:runId tells the rest.
 */

export const Wait = z.object({
  wait: z.coerce
    .number()
    .min(0)
    .max(30)
    .default(10)
    .describe('seconds to wait for the run to finish before answering 202 (0 to 30, default 10)')
})

const RunStatus = z.enum(['running', 'succeeded', 'failed', 'skipped'])

export const RunStarted = z.object({ runId: z.string(), job: z.string(), status: z.literal('running') })

export const JobRunView = z
  .object({
    runId: z.string(),
    job: z.enum(['sync', 'billing', 'push-watchdog']),
    status: RunStatus,
    startedAt: z.string(),
    finishedAt: z.string().optional(),
    result: z.record(z.string(), z.unknown()).optional(),
    error: z.string().optional(),
    reason: z.string().optional(),
    errors: z.array(z.string()).optional()
  })
  .meta({ id: 'JobRun' })

/**
 * 202 while the run goes on; once finished, its result (the report the job gives) with the run's
 * id and outcome — or, for a run that stopped on an error, that error, as before runs had ids.
 */
export const answer = (reply: FastifyReply, run: JobRun & { thrown?: unknown }) => {
  if (run.status === 'running') return reply.code(202).send({ runId: run.runId, job: run.job, status: 'running' })
  if (run.thrown !== undefined) throw run.thrown
  return reply.send({
    ...run.result,
    runId: run.runId,
    job: run.job,
    status: run.status,
    ...(run.reason ? { reason: run.reason } : {})
  })
}

export const jobRoutes =
  (relay: Relay): FastifyPluginAsyncZod =>
  async (app) => {
    const jobs = () => {
      if (!relay.jobs) throw new ApiError('not_configured', 'the platform connections are not configured')
      return relay.jobs
    }
    const responses = (...errors: number[]) => ({
      200: z.record(z.string(), z.unknown()).describe('the run finished within the wait: its result'),
      202: RunStarted.describe('the run goes on: follow it with GET /api/jobs/{runId}'),
      ...errorResponses(...errors)
    })

    app.post(
      '/api/sync/run',
      {
        config: { scope: 'operate' },
        schema: {
          tags: ['jobs'],
          summary: 'Run the inventory and configuration checks now',
          querystring: Wait,
          response: responses(400, 401, 403, 409, 503)
        }
      },
      async (request, reply) => {
        const waitMs = request.query.wait * 1000
        return answer(reply, await jobs().request('sync', { actor: request.actor!.name, waitMs }))
      }
    )

    app.post(
      '/api/billing/run',
      {
        config: { scope: 'operate' },
        schema: {
          tags: ['jobs'],
          summary: 'Run billing for a month now (MM/YYYY; default: last month)',
          querystring: BillingRunQuery.extend(Wait.shape),
          response: responses(400, 401, 403, 409, 503)
        }
      },
      async (request, reply) => {
        const { month, wait } = request.query
        const options = { actor: request.actor!.name, waitMs: wait * 1000, ...(month !== undefined ? { month } : {}) }
        return answer(reply, await jobs().request('billing', options))
      }
    )

    app.get(
      '/api/jobs/:runId',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['jobs'],
          summary: 'A job run: running, or how it ended and its result (the last 100 runs are kept)',
          params: z.object({ runId: z.string().min(1).max(64) }),
          response: { 200: JobRunView, ...errorResponses(401, 404, 503) }
        }
      },
      async (request) => jobs().get(request.params.runId)
    )
  }
