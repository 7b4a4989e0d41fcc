import type { FastifyInstance, FastifyReply } from 'fastify'
import { z } from 'zod'
import type { HaloPsaSimState } from './controls.js'
import type { WebhookEmitter } from './webhookEmitter.js'
import { simEvents, type SimEventKey } from './events.js'

/** `/_sim/…`: the controls over HTTP, for the demo and for processes other than the test's own. */

const id = z.coerce.number().int()
const params = z.object({ id })

const done = (reply: FastifyReply, ok: boolean, what: string) =>
  ok ? reply.code(204).send() : reply.code(404).send({ error: `${what} not found` })

const parse = <T extends z.ZodType>(schema: T, value: unknown, reply: FastifyReply): z.output<T> | undefined => {
  const parsed = schema.safeParse(value ?? {})
  if (parsed.success) return parsed.data
  void reply.code(400).send({
    error: 'invalid request',
    issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
  })
  return undefined
}

export const registerControlRoutes = (app: FastifyInstance, state: HaloPsaSimState, webhooks: WebhookEmitter): void => {
  app.get('/_sim/data', async () =>
    Object.fromEntries(
      Object.entries(state.data())
        .filter(([, v]) => typeof v === 'object' && v !== null && 'rows' in v)
        .map(([k, v]) => [k, [...(v as { rows: Map<unknown, unknown> }).rows.values()]])
    )
  )
  app.post('/_sim/reset', async (request, reply) => {
    const body = parse(z.object({ seed: z.enum(['none', 'demo']).optional() }), request.body, reply)
    if (!body) return
    state.reset(body.seed)
    return reply.code(204).send()
  })

  app.delete('/_sim/clients/:id', async (request, reply) =>
    done(reply, state.deleteClient(params.parse(request.params).id), 'client')
  )
  app.patch('/_sim/clients/:id', async (request, reply) => {
    const body = parse(
      z.object({ name: z.string().min(1).optional(), inactive: z.boolean().optional() }),
      request.body,
      reply
    )
    if (body) return done(reply, state.updateClient(params.parse(request.params).id, body), 'client')
  })
  app.delete('/_sim/items/:id', async (request, reply) =>
    done(reply, state.deleteItem(params.parse(request.params).id), 'item')
  )
  app.delete('/_sim/recurring-invoices/:id', async (request, reply) =>
    done(reply, state.deleteRecurringInvoice(params.parse(request.params).id), 'recurring invoice')
  )
  app.delete('/_sim/recurring-invoices/:id/lines/:lineId', async (request, reply) => {
    const p = z.object({ id, lineId: id }).parse(request.params)
    return done(reply, state.deleteInvoiceLine(p.id, p.lineId), 'line')
  })

  app.post('/_sim/statuses', async (request, reply) => {
    const body = parse(z.object({ id: id.optional(), name: z.string().min(1) }), request.body, reply)
    if (body) return reply.code(201).send({ id: state.addStatus(body) })
  })
  app.patch('/_sim/statuses/:id', async (request, reply) => {
    const body = parse(z.object({ name: z.string().min(1) }), request.body, reply)
    if (body) return done(reply, state.renameStatus(params.parse(request.params).id, body.name), 'status')
  })
  app.delete('/_sim/statuses/:id', async (request, reply) =>
    done(reply, state.removeStatus(params.parse(request.params).id), 'status')
  )
  app.put('/_sim/closed-status', async (request, reply) => {
    const body = parse(z.object({ id }), request.body, reply)
    if (body) return (state.setClosedStatus(body.id), reply.code(204).send())
  })
  app.put('/_sim/ticket-types/:id/mandatory-fields', async (request, reply) => {
    const body = parse(z.object({ fields: z.array(z.string().min(1)) }), request.body, reply)
    if (body) return done(reply, state.setMandatoryFields(params.parse(request.params).id, body.fields), 'ticket type')
  })
  app.post('/_sim/tickets/:id/close', async (request, reply) => {
    const body = parse(z.object({ statusId: id.optional(), agentId: id.optional() }), request.body, reply)
    if (body) return done(reply, state.closeTicket(params.parse(request.params).id, body), 'ticket or status')
  })
  app.post('/_sim/tickets/:id/status', async (request, reply) => {
    const body = parse(z.object({ statusId: id, agentId: id.optional() }), request.body, reply)
    if (body)
      return done(
        reply,
        state.setTicketStatus(params.parse(request.params).id, body.statusId, body.agentId),
        'ticket or status'
      )
  })
  app.post(
    '/_sim/outcomes/:id/forbid',
    async (request, reply) => (state.forbidOutcome(params.parse(request.params).id), reply.code(204).send())
  )
  app.post('/_sim/tokens/revoke', async () => ({ revoked: state.revokeTokens() }))

  app.get('/_sim/calls', async () => ({ counts: state.calls.counts(), requests: state.calls.requests() }))
  app.delete('/_sim/calls', async (_request, reply) => (state.calls.reset(), reply.code(204).send()))
  app.put('/_sim/quirks', async (request, reply) => {
    const body = parse(
      z.object({
        ids: z.enum(['number', 'string', 'float']).optional(),
        keys: z.enum(['as-is', 'capitalised']).optional()
      }),
      request.body,
      reply
    )
    if (body) return (state.setQuirks(body), reply.code(204).send())
  })
  app.put('/_sim/rate-limit', async (request, reply) => {
    const body = parse(
      z.object({
        enabled: z.boolean().optional(),
        limit: z.number().int().positive().optional(),
        windowMs: z.number().int().positive().optional(),
        retryAfter: z.boolean().optional()
      }),
      request.body,
      reply
    )
    if (body) return (state.setRateLimit(body), reply.code(204).send())
  })
  app.put('/_sim/behaviour', async (request, reply) => {
    const body = parse(
      z.object({
        clientEvents: z.boolean().optional(),
        ticketEvents: z.boolean().optional(),
        clientDelete: z.enum(['remove', 'refuse-when-linked']).optional(),
        unknownIdStatus: z.union([z.literal(404), z.literal(400)]).optional(),
        ticketPageSize: z.enum(['clamp', 'reject']).optional(),
        webhookPayload: z.enum(['full', 'small', 'event-only']).optional()
      }),
      request.body,
      reply
    )
    if (body) return (state.setBehaviour(body), reply.code(204).send())
  })

  app.post('/_sim/webhooks/:id/finish', async (request, reply) => {
    const body = parse(
      z.object({
        events: z
          .array(z.enum(Object.keys(simEvents) as [SimEventKey, ...SimEventKey[]]))
          .min(1)
          .optional(),
        payload: z.enum(['full', 'small', 'event-only']).optional(),
        basicAuth: z.boolean().optional()
      }),
      request.body,
      reply
    )
    if (body) return done(reply, state.finishWebhook((request.params as { id: string }).id, body), 'webhook')
  })
  app.get('/_sim/webhooks/deliveries', async () => ({ deliveries: webhooks.deliveries() }))
  app.post('/_sim/webhooks/deliveries/:id/resend', async (request, reply) => {
    const row = await webhooks.resend((request.params as { id: string }).id.toLowerCase())
    return row ? row : reply.code(404).send({ error: 'delivery not found' })
  })
  app.post('/_sim/webhooks/hold', async (_request, reply) => (webhooks.hold(), reply.code(204).send()))
  app.post('/_sim/webhooks/release', async (request, reply) => {
    const body = parse(
      z.object({ order: z.enum(['fifo', 'reverse']).optional(), batch: z.boolean().optional() }),
      request.body,
      reply
    )
    if (body) return (await webhooks.release(body), reply.code(204).send())
  })
  app.post('/_sim/webhooks/inject', async (request, reply) => {
    const body = parse(
      z.object({ duplicates: z.number().int().min(0).optional(), malformed: z.number().int().min(0).optional() }),
      request.body,
      reply
    )
    if (body) return (webhooks.inject(body), reply.code(204).send())
  })
}
