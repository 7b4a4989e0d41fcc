import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Relay } from '../../services/relay.js'
import type { MappingChanges } from '../../domain/mappingRegistry.js'
import { causeOf } from '../cause.js'
import { IdParams, Mapping, MappingPatch, NewMapping, errorResponses, listOf } from '../schemas.js'

/** Mappings (README.md#http-interface): 1:1 enforced, 409 on conflict. */
export const mappingRoutes =
  (relay: Relay): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/mappings',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['mappings'],
          summary: 'List mappings',
          querystring: z.object({ status: z.enum(['ok', 'has-events', 'suspended']).optional() }),
          response: { 200: listOf(Mapping), ...errorResponses(401) }
        }
      },
      async (request) => ({ items: relay.mappings.list(request.query), nextCursor: null })
    )

    app.post(
      '/api/mappings',
      {
        config: { scope: 'operate' },
        schema: {
          tags: ['mappings'],
          summary: 'Map a GravityZone company to a HaloPSA client',
          body: NewMapping,
          response: { 201: Mapping, ...errorResponses(400, 401, 403, 409, 422, 502) }
        }
      },
      async (request, reply) => reply.code(201).send(await relay.mappings.create(request.body, causeOf(request)))
    )

    app.get(
      '/api/mappings/:id',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['mappings'],
          summary: 'One mapping',
          params: IdParams,
          response: { 200: Mapping, ...errorResponses(401, 404) }
        }
      },
      async (request) => relay.mappings.get(request.params.id)
    )

    app.patch(
      '/api/mappings/:id',
      {
        config: { scope: 'operate' },
        schema: {
          tags: ['mappings'],
          summary: 'Change a mapping (any part of it)',
          params: IdParams,
          body: MappingPatch,
          response: { 200: Mapping, ...errorResponses(400, 401, 403, 404, 409, 422, 502) }
        }
      },
      async (request) => {
        const { billing, ...rest } = request.body
        const changes: MappingChanges = { ...rest }
        if (billing) {
          const { items, ...other } = billing
          changes.billing = {
            ...other,
            ...(items === null ? { items: undefined } : items !== undefined ? { items } : {})
          }
        }
        return relay.mappings.update(request.params.id, changes, causeOf(request))
      }
    )

    app.delete(
      '/api/mappings/:id',
      {
        config: { scope: 'operate' },
        schema: {
          tags: ['mappings'],
          summary: 'Delete a mapping (its company and client become mappable again)',
          params: IdParams,
          response: { 204: z.null(), ...errorResponses(401, 403, 404) }
        }
      },
      async (request, reply) => {
        await relay.mappings.remove(request.params.id, causeOf(request))
        return reply.code(204).send(null)
      }
    )

    app.post(
      '/api/mappings/:id/recurring-invoice',
      {
        config: { scope: 'operate' },
        schema: {
          tags: ['mappings'],
          summary:
            'Generate Recurring Invoice in HaloPSA for the mapping (409 invoice_exists while its invoice exists)',
          params: IdParams,
          response: { 200: Mapping, ...errorResponses(401, 403, 404, 409, 422, 502, 503) }
        }
      },
      async (request) => relay.mappings.generateRecurringInvoice(request.params.id, causeOf(request))
    )
  }
