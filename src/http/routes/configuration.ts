import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Relay } from '../../services/relay.js'
import { causeOf } from '../cause.js'
import { BillingConfiguration, TicketingConfigurationBody, errorResponses } from '../schemas.js'

/** Global billing and ticketing configuration; every change is a fact. */
export const configurationRoutes =
  (relay: Relay): FastifyPluginAsyncZod =>
  async (app) => {
    app.get(
      '/api/config/billing',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['configuration'],
          summary: 'The global item mapping (usage counter → HaloPSA item)',
          response: { 200: BillingConfiguration, ...errorResponses(401) }
        }
      },
      async () => relay.configuration.getBilling()
    )

    app.put(
      '/api/config/billing',
      {
        config: { scope: 'operate' },
        schema: {
          tags: ['configuration'],
          summary: 'Replace the global item mapping',
          body: BillingConfiguration,
          response: { 200: BillingConfiguration, ...errorResponses(400, 401, 403, 422) }
        }
      },
      async (request) => relay.configuration.putBilling(request.body.items, causeOf(request))
    )

    app.get(
      '/api/config/ticketing',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['configuration'],
          summary: 'The ticketing configuration',
          response: {
            200: TicketingConfigurationBody.extend({
              configured: z.boolean().describe('false until the first PUT; ticketing creates no tickets before that')
            }),
            ...errorResponses(401)
          }
        }
      },
      async () => relay.configuration.getTicketing()
    )

    app.put(
      '/api/config/ticketing',
      {
        config: { scope: 'operate' },
        schema: {
          tags: ['configuration'],
          summary: 'Replace the ticketing configuration (checked against HaloPSA)',
          body: TicketingConfigurationBody,
          response: { 200: TicketingConfigurationBody, ...errorResponses(400, 401, 403, 422) }
        }
      },
      async (request) => relay.configuration.putTicketing(request.body, causeOf(request))
    )
  }
