import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { Relay } from '../../services/relay.js'
import { auditFact } from '../../services/views.js'
import { AuditFact, AuditQuery, errorResponses, listOf } from '../schemas.js'

/**
 * The audit trail: facts in global order. `Accept: application/x-ndjson` streams every match
 * (no limit) as it is read; `/api/audit/live` tails new facts as server-sent events, resumable
 * with `Last-Event-ID` (the position of the last fact received).
 */
export const auditRoutes =
  (relay: Relay): FastifyPluginAsyncZod =>
  async (app) => {
    // Live tails never finish on their own: end them when the server starts closing.
    const tails = new Set<{ unsubscribe(): Promise<void> }>()
    app.addHook('preClose', async () => {
      await Promise.all([...tails].map((s) => s.unsubscribe()))
    })
    app.get(
      '/api/audit',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['audit'],
          summary: 'Facts in global order (JSON pages, or NDJSON with Accept: application/x-ndjson)',
          querystring: AuditQuery,
          response: { 200: listOf(AuditFact), ...errorResponses(400, 401) }
        }
      },
      async (request, reply) => {
        const { limit, ...filter } = request.query
        if (request.headers.accept?.includes('application/x-ndjson')) {
          const facts = relay.audit.all(filter)
          // Validate the filter before the 200 goes out: a bad cursor must still be a 400.
          const first = await facts.next()
          reply.raw.writeHead(200, {
            'content-type': 'application/x-ndjson; charset=utf-8',
            'cache-control': 'no-store'
          })
          const write = (line: string) =>
            reply.raw.write(line) ? Promise.resolve() : new Promise<void>((resolve) => reply.raw.once('drain', resolve))
          if (!first.done) {
            await write(JSON.stringify(auditFact(first.value)) + '\n')
            for await (const fact of facts) {
              if (reply.raw.destroyed) break
              await write(JSON.stringify(auditFact(fact)) + '\n')
            }
          }
          reply.raw.end()
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
          querystring: AuditQuery.omit({ limit: true, after: true, before: true }),
          response: { 200: AuditFact.describe('one per `fact` event'), ...errorResponses(401) }
        }
      },
      async (request, reply) => {
        const lastEventId = request.headers['last-event-id']
        const after = typeof lastEventId === 'string' && /^\d{1,30}$/.test(lastEventId) ? lastEventId : undefined
        const { subscription, matches } = relay.audit.live({ ...request.query, ...(after ? { after } : {}) })
        tails.add(subscription)
        reply.hijack()
        const res = reply.raw
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          connection: 'keep-alive',
          'x-accel-buffering': 'no'
        })
        res.write(': connected\nretry: 2000\n\n')
        const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000)
        const stop = () => {
          clearInterval(heartbeat)
          tails.delete(subscription)
          void subscription.unsubscribe()
        }
        request.raw.on('close', stop)
        try {
          for await (const fact of subscription) {
            if (!matches(fact)) continue
            res.write(`id: ${fact.position}\nevent: fact\ndata: ${JSON.stringify(auditFact(fact))}\n\n`)
          }
        } catch (error) {
          request.log.warn({ err: error }, 'audit live stream ended')
        } finally {
          stop()
          res.end()
        }
      }
    )
  }
