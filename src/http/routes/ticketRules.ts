import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { TicketRules } from '../../domain/ticketRules.js'
import type { TicketRulesService } from '../../services/ticketRules.js'
import { causeOf } from '../cause.js'
import { ApiError } from '../errors.js'
import { errorResponses } from '../schemas.js'

/**
 * The ticket rules (docs/ticket-rules.md): `GET`/`PUT /api/config/ticket-rules`, and the backtest
 * of a candidate rule set on the recorded history, `POST /api/ticketing/rules/preview`, which
 * writes nothing (scope `read`).
 */

const RulesBody = TicketRules.describe('ticket rules; every field may be left out (its default)')
z.globalRegistry.add(RulesBody, { id: 'TicketRules' })

const RulesView = TicketRules.extend({
  version: z.number().int().describe('how many times the rules were changed (0: never saved, the defaults)'),
  configured: z.boolean(),
  verified: z.boolean().describe('HaloPSA confirmed every priority and status id when they were saved'),
  configuredAt: z.string().optional()
})

const Counts = z.object({
  tickets: z.number().int(),
  notes: z.number().int(),
  reopened: z.number().int(),
  consolidated: z.number().int().describe('events added to another endpoint’s ticket for the same threat'),
  excluded: z.number().int().describe('events an exclusion rule kept from making a ticket'),
  skipped: z.number().int().describe('events skipped for a reason outside the rules (unmapped, ticketing off, …)'),
  failed: z.number().int().describe('HaloPSA refused or kept failing (actual only)'),
  priorities: z.record(z.string(), z.number().int()).describe('new tickets by HaloPSA priority id, or "default"')
})
const Comparison = z.object({ simulated: Counts, actual: Counts })

const PreviewBody = z.strictObject({
  rules: RulesBody.optional().describe('the candidate rule set; the rules in force when absent'),
  days: z.number().int().min(1).max(90).default(30).describe('how many days of history, up to now'),
  maxEvents: z.number().int().min(1).max(100_000).default(20_000).describe('security events considered at most')
})

const PreviewResult = z.object({
  rules: RulesBody,
  period: z.object({ from: z.string(), to: z.string(), days: z.number().int() }),
  events: z.object({
    considered: z.number().int(),
    undecided: z.number().int().describe('events live ticketing has not decided yet: left out of the counts'),
    limit: z.number().int(),
    capped: z.boolean().describe('the walk through the history stopped early; see stoppedBy and message'),
    stoppedBy: z.enum(['events', 'facts', 'time']).optional(),
    message: z.string().optional()
  }),
  total: Comparison,
  byMapping: z.array(
    Comparison.extend({
      mappingId: z.string(),
      gravityzoneCompanyName: z.string().optional(),
      halopsaClientName: z.string().optional()
    })
  )
})

export const ticketRulesRoutes =
  (service: TicketRulesService): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/config/ticket-rules',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['configuration'],
          summary: 'The ticket rules in force (the defaults until the first PUT)',
          response: { 200: RulesView, ...errorResponses(401) }
        }
      },
      async () => service.get()
    )

    app.put(
      '/api/config/ticket-rules',
      {
        config: { scope: 'operate' },
        schema: {
          tags: ['configuration'],
          summary: 'Replace the ticket rules (priority and status ids checked against HaloPSA)',
          body: RulesBody,
          response: { 200: RulesView, ...errorResponses(400, 401, 403, 422) }
        }
      },
      async (request) => service.put(request.body, causeOf(request))
    )

    app.post(
      '/api/ticketing/rules/preview',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['configuration'],
          summary: 'Backtest a rule set on the recorded security events; writes nothing',
          body: PreviewBody,
          response: { 200: PreviewResult, ...errorResponses(400, 401, 409) }
        }
      },
      async (request) => {
        const result = await service.preview(request.body)
        if (!result) throw new ApiError('preview_running')
        return result
      }
    )
  }
