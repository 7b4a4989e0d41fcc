import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import type { Relay } from '../../services/relay.js'
import { causeOf } from '../cause.js'
import {
  EventCounts,
  EventListQuery,
  IdParams,
  IntegrationEvent,
  RecheckResults,
  errorResponses,
  listOf
} from '../schemas.js'

/** Integration events and their actions (docs/integration-events.md#actions). */
export const eventRoutes =
  (relay: Relay): FastifyPluginAsyncZod =>
  async (app) => {
    const read = { scope: 'read' as const }
    const operate = { scope: 'operate' as const }

    app.get(
      '/api/events',
      {
        config: read,
        schema: {
          tags: ['events'],
          summary: 'List integration events',
          querystring: EventListQuery,
          response: { 200: listOf(IntegrationEvent), ...errorResponses(400, 401) }
        }
      },
      async (request) => relay.events.list(request.query)
    )

    app.get(
      '/api/events/count',
      {
        config: read,
        schema: {
          tags: ['events'],
          summary: 'Active events, by category and by type',
          response: { 200: EventCounts, ...errorResponses(401) }
        }
      },
      async () => relay.events.count()
    )

    app.get(
      '/api/events/:id',
      {
        config: read,
        schema: {
          tags: ['events'],
          summary: 'One event with the facts behind it',
          params: IdParams,
          response: { 200: IntegrationEvent, ...errorResponses(401, 404) }
        }
      },
      async (request) => relay.events.get(request.params.id)
    )

    app.post(
      '/api/events/recheck',
      {
        config: operate,
        schema: {
          tags: ['events'],
          summary: 'Recheck events: every active event that supports recheck',
          response: { 200: RecheckResults, ...errorResponses(401, 403) }
        }
      },
      async (request) => relay.events.recheckAll(causeOf(request))
    )

    for (const action of ['recheck', 'resolve', 'acknowledge'] as const) {
      app.post(
        `/api/events/:id/${action}`,
        {
          config: operate,
          schema: {
            tags: ['events'],
            summary: `${action[0]!.toUpperCase()}${action.slice(1)} one event; answers the event after the action`,
            params: IdParams,
            response: { 200: IntegrationEvent, ...errorResponses(401, 403, 404, 409) }
          }
        },
        async (request) => relay.events[action](request.params.id, causeOf(request))
      )
    }
  }
