import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { parseIsoTime } from '../../domain/isoTime.js'
import { outcomes } from '../../../projections/securityEvents.js'
import { REPLAY_CAP, type SecurityEventsService } from '../../services/securityEvents.js'
import { causeOf } from '../cause.js'
import { ApiError } from '../errors.js'
import { AuditFact, Position, errorResponses, listOf } from '../schemas.js'
import { auditFact } from '../../services/views.js'

/**
 * What became of every GravityZone security event, and replays of the skipped and failed ones
 * (docs/security-events.md). Without the service (an app built for tests), 503 not_configured.
 */

const Time = z
  .string()
  .max(40)
  .refine((v) => parseIsoTime(v) !== undefined, 'expected an ISO 8601 date or time, e.g. 2026-12-01T10:00:00Z')
  .transform((v) => parseIsoTime(v)!)

const Filters = z.object({
  outcome: z.enum(outcomes).optional(),
  company: z.string().min(1).max(64).optional(),
  mapping: z.string().min(1).max(64).optional(),
  module: z.string().min(1).max(64).optional(),
  since: Time.optional(),
  until: Time.optional()
})

const ListQuery = Filters.extend({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional()
})

const ReplayBody = Filters.extend({
  dryRun: z.boolean().default(true),
  limit: z.number().int().min(1).max(REPLAY_CAP).default(100),
  cursor: z.string().max(200).optional()
}).strict()

const SecurityEvent = z.object({
  key: z.string(),
  threatKey: z.string(),
  factId: z.string(),
  position: Position,
  module: z.string(),
  companyId: z.string().optional(),
  companyName: z.string().optional(),
  mappingId: z.string().optional(),
  endpointName: z.string().optional(),
  threatName: z.string().optional(),
  isTest: z.boolean(),
  receivedAt: z.string(),
  occurredAt: z.string().optional(),
  outcome: z.enum(outcomes),
  ticketId: z.number().int().optional(),
  reason: z.string().optional().describe('why it was skipped'),
  failure: z
    .object({
      factId: z.string(),
      factType: z.string(),
      message: z.string(),
      cause: z.string().optional(),
      integrationEventId: z.string().optional().describe('the integration event that covers the failure')
    })
    .optional(),
  replays: z.number().int(),
  replayable: z.boolean(),
  updatedAt: z.string()
})

const Counts = z.record(z.string(), z.number().int())

const Summary = z.object({
  since: z.string().nullable(),
  total: z.number().int(),
  byOutcome: Counts,
  byCustomer: z.array(
    z.object({
      companyId: z.string().nullable(),
      mappingId: z.string().nullable(),
      name: z.string().optional(),
      total: z.number().int(),
      byOutcome: Counts
    })
  )
})

const ReplayAnswer = z.object({
  dryRun: z.boolean(),
  matched: z.number().int().describe('skipped or failed events that match the filters'),
  complete: z
    .boolean()
    .describe('false: older events remain unread (a request reads a bounded number back); nextCursor goes on'),
  cap: z.number().int().describe('the most this request hands over; nextCursor continues'),
  replayed: z.number().int(),
  refused: z.number().int().describe('refused by the ticket decider meanwhile (a ticket exists, or a replay waits)'),
  sample: z.array(SecurityEvent),
  nextCursor: z.string().nullable()
})

const KeyParams = z.object({ id: z.string().min(1).max(128) })
/** Where the event was received (every record shows it): finds an older event the relay no longer keeps in memory. */
const PositionQuery = z.object({
  position: z
    .string()
    .regex(/^\d{1,20}$/)
    .transform((v) => BigInt(v))
    .optional()
    .describe('the position the record shows; needed for an event older than those kept in memory')
})

export const securityEventRoutes =
  (service: SecurityEventsService | undefined): FastifyPluginAsyncZod =>
  async (app) => {
    const theService = (): SecurityEventsService => {
      if (!service) throw new ApiError('not_configured', 'this relay keeps no security event outcomes')
      return service
    }
    const tags = ['events']

    app.get(
      '/api/security-events',
      {
        config: { scope: 'read' },
        schema: {
          tags,
          summary: 'Security events and what became of each, newest first',
          querystring: ListQuery,
          response: { 200: listOf(SecurityEvent), ...errorResponses(400, 401, 503) }
        }
      },
      async (request) => {
        const { limit, cursor, ...filter } = request.query
        return theService().list(filter, limit, cursor)
      }
    )

    app.get(
      '/api/security-events/summary',
      {
        config: { scope: 'read' },
        schema: {
          tags,
          summary: 'Security events counted per outcome and per customer',
          querystring: z.object({ since: z.string().max(40).optional() }),
          response: { 200: Summary, ...errorResponses(400, 401, 503) }
        }
      },
      async (request) => {
        const raw = request.query.since
        const since = raw !== undefined ? parseIsoTime(raw) : undefined
        if (raw !== undefined && since === undefined)
          throw new ApiError('invalid_request', 'since must be an ISO 8601 date or time', { field: 'since' })
        return { since: since !== undefined ? new Date(since).toISOString() : null, ...theService().summary(since) }
      }
    )

    app.get(
      '/api/security-events/:id',
      {
        config: { scope: 'read' },
        schema: {
          tags,
          summary: 'One security event: the event as received, its outcome, and the facts behind it',
          params: KeyParams,
          querystring: PositionQuery,
          response: {
            200: SecurityEvent.extend({ event: z.unknown(), facts: z.array(AuditFact) }),
            ...errorResponses(400, 401, 404, 503)
          }
        }
      },
      async (request) => {
        const found = await theService().get(request.params.id, request.query.position)
        return { ...found, facts: found.facts.map(auditFact) }
      }
    )

    app.post(
      '/api/security-events/replay',
      {
        config: { scope: 'operate' },
        schema: {
          tags,
          summary: `Hand skipped or failed events that match to ticketing again (dryRun: count only; at most ${REPLAY_CAP} a request)`,
          body: ReplayBody,
          response: { 200: ReplayAnswer, 202: ReplayAnswer, ...errorResponses(400, 401, 403, 503) }
        }
      },
      async (request, reply) => {
        const { dryRun, limit, cursor, ...filter } = request.body
        const answer = await theService().replayMany(filter, {
          dryRun,
          limit,
          ...(cursor !== undefined ? { cursor } : {}),
          cause: causeOf(request)
        })
        return reply.code(dryRun ? 200 : 202).send(answer)
      }
    )

    app.post(
      '/api/security-events/:id/replay',
      {
        config: { scope: 'operate' },
        schema: {
          tags,
          summary: 'Hand one skipped or failed security event to ticketing again',
          params: KeyParams,
          querystring: PositionQuery,
          body: z
            .object({ reason: z.string().max(500).optional() })
            .strict()
            .optional(),
          response: {
            202: z.object({
              eventKey: z.string(),
              position: Position.describe('the SecurityEventReplayRequested fact')
            }),
            ...errorResponses(401, 403, 404, 409, 503)
          }
        }
      },
      async (request, reply) =>
        reply
          .code(202)
          .send(
            await theService().replayOne(
              request.params.id,
              causeOf(request),
              request.body?.reason,
              request.query.position
            )
          )
    )
  }
