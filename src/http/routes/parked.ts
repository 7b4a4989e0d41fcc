import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Processor } from '../../services/processor.js'
import { causeOf } from '../cause.js'
import { ApiError } from '../errors.js'
import { Position, errorResponses } from '../schemas.js'

/**
 * Facts the ticketing processor parked because its handler kept failing on them
 * (docs/architecture.md, "The ticketing processor"), and an operator's retry of one. Without a
 * processor (an app built for tests), both answer 503 not_configured.
 */

const ParkedFact = z.object({
  processor: z.string(),
  factId: z.string(),
  factType: z.string(),
  position: Position,
  error: z.string().describe("the handler's last error"),
  attempts: z.number().int(),
  parkedAt: z.string(),
  outcome: z.literal('failed')
})

const FactIdParams = z.object({ factId: z.string().min(1).max(120) })

export const parkedRoutes =
  (processor: Processor | undefined): FastifyPluginAsyncZod =>
  async (app) => {
    const theProcessor = (): Processor => {
      if (!processor) throw new ApiError('not_configured', 'this relay runs no processor')
      return processor
    }

    app.get(
      '/api/processor/parked',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['operations'],
          summary: 'Facts the ticketing processor parked and nobody has retried yet, oldest first',
          response: { 200: z.object({ items: z.array(ParkedFact) }), ...errorResponses(401, 503) }
        }
      },
      async () => ({ items: theProcessor().parked() })
    )

    app.post(
      '/api/processor/parked/:factId/retry',
      {
        config: { scope: 'operate' },
        schema: {
          tags: ['operations'],
          summary: 'Hand a parked fact to the processor again (recorded as ParkedFactRetried)',
          params: FactIdParams,
          response: {
            202: z.object({
              factId: z.string(),
              position: Position.describe(
                'the ParkedFactRetried fact; the processor retries the fact when it gets there'
              )
            }),
            ...errorResponses(401, 403, 404, 409, 503)
          }
        }
      },
      async (request, reply) => {
        const { factId, position } = await theProcessor().retryParked(request.params.factId, causeOf(request))
        return reply.code(202).send({ factId, position: position.toString() })
      }
    )
  }
