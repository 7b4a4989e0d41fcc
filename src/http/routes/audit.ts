import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { Relay } from '../../services/relay.js'
import { auditFact } from '../../services/views.js'
import { AuditFact, AuditQuery, errorResponses, listOf } from '../schemas.js'
import { safetyHeaders } from '../plugins/protocolErrors.js'
import { createStreams, type StreamLimits } from '../streams.js'

/**
 * The audit trail: facts in global order. `Accept: application/x-ndjson` streams every match
 * (no limit) as it is read; `/api/audit/live` tails new facts as server-sent events, resumable
 * with `Last-Event-ID` (the position of the last fact received).
 *
 * Both streams write with backpressure (streams.ts): a reader that does not keep up is waited for,
 * within a bound, then disconnected; a live client resumes with Last-Event-ID and loses nothing.
 * Both are cut when the server starts closing, so a slow reader never holds up a shutdown.
 */
export const auditRoutes =
  (relay: Relay, limits?: Partial<StreamLimits>): FastifyPluginAsyncZod =>
  async (app) => {
    const streams = createStreams(limits)
    app.addHook('preClose', async () => streams.closeAll())

    app.get(
      '/api/audit',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['audit'],
          summary: 'Facts in global order (JSON pages, or NDJSON with Accept: application/x-ndjson)',
          description:
            'A page looks at a bounded number of facts: when the filter matches few of them, a page may hold fewer ' +
            'than `limit` facts (even none) with a `nextCursor` to continue from; `nextCursor` is null at the end.',
          querystring: AuditQuery,
          response: { 200: listOf(AuditFact), ...errorResponses(400, 401) }
        }
      },
      async (request, reply) => {
        const { limit, ...filter } = request.query
        if (request.headers.accept?.includes('application/x-ndjson')) {
          // Checked before the 200 goes out: a bad filter or cursor is still a 400.
          const chunks = await relay.audit.export(filter)
          reply.hijack()
          const res = reply.raw
          res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', ...safetyHeaders })
          await streams.run(
            res,
            'export',
            async (write) => {
              for await (const facts of chunks) {
                if (!(await write(facts.map((f) => JSON.stringify(auditFact(f))).join('\n') + '\n'))) return false
              }
              return true
            },
            request.log
          )
          return reply
        }
        const page = await relay.audit.page(filter, limit)
        return { items: page.items.map(auditFact), nextCursor: page.nextCursor }
      }
    )

    app.get(
      '/api/audit/live',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['audit'],
          summary: 'New facts as server-sent events (event: fact, id: position)',
          description:
            'Resumes after the `Last-Event-ID` header (a position this API gave; 400 invalid_position otherwise). ' +
            'A client that does not read is disconnected once its backlog is over a bound; it resumes with Last-Event-ID.',
          querystring: AuditQuery.omit({ limit: true, after: true }),
          response: { 200: AuditFact.describe('one per `fact` event'), ...errorResponses(400, 401) }
        }
      },
      async (request, reply) => {
        const header = request.headers['last-event-id']
        const lastEventId = typeof header === 'string' && header !== '' ? header : undefined
        const { subscription, matches } = await relay.audit.live(request.query, lastEventId)
        reply.hijack()
        const res = reply.raw
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          ...safetyHeaders,
          connection: 'keep-alive',
          'x-accel-buffering': 'no'
        })
        await streams.run(
          res,
          'live',
          async (write) => {
            if (!(await write(': connected\nretry: 2000\n\n'))) return false
            for await (const fact of subscription) {
              if (!matches(fact)) continue
              if (!(await write(`id: ${fact.position}\nevent: fact\ndata: ${JSON.stringify(auditFact(fact))}\n\n`)))
                return false
            }
            return true
          },
          request.log,
          () => subscription.unsubscribe()
        )
        return reply
      }
    )
  }
