import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { secretEquals } from '../../../platforms/transport/secrets.js'
import { ApiError } from '../../errors.js'
import { checkHook, rawBody, type WebhookContext } from './shared.js'

/**
 * HaloPSA's webhook (HTTP Basic, the user and password the relay registered): ticket status
 * changes and client notifications. Authenticated but unusable bodies are kept as facts and still
 * answered 2xx, so HaloPSA does not retry them forever (docs/platforms/halopsa.md).
 */

const HALOPSA_BODY_LIMIT = 1024 * 1024

const basicCredentials = (header: string | undefined): { user: string; password: string } | undefined => {
  const match = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null
  if (!match) return undefined
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

export const halopsaWebhook = (app: FastifyInstance, ctx: WebhookContext): void => {
  const { relay, secrets, refuse } = ctx

  app.post(
    '/webhooks/halopsa',
    {
      bodyLimit: HALOPSA_BODY_LIMIT,
      schema: {
        tags: ['webhooks'],
        summary: 'HaloPSA webhook (HTTP Basic): ticket status changes and client notifications'
      },
      // The credential is checked before anything else, whatever the sender's address did before.
      onRequest: checkHook((request, reply) => {
        const credentials = basicCredentials(request.headers.authorization)
        reply.header('www-authenticate', 'Basic realm="gz-halo-relay"')
        if (!credentials)
          refuse(
            request,
            'halopsa',
            'unauthorized',
            new ApiError('missing_credentials', 'HTTP Basic credentials are required')
          )
        const userOk = secretEquals(credentials!.user, secrets.halopsaUser)
        const passwordOk = secretEquals(credentials!.password, secrets.halopsaPassword)
        if (!(userOk && passwordOk))
          refuse(
            request,
            'halopsa',
            'unauthorized',
            new ApiError('invalid_credentials', 'the Basic credentials are not valid')
          )
        reply.removeHeader('www-authenticate')
      })
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const result = await relay.ingestion.halopsaWebhook(rawBody(request))
      relay.metrics.webhook('halopsa', result.invalid > 0 ? 'partially_invalid' : 'accepted')
      relay.metrics.webhookEvents('halopsa', 'notification', result.received)
      relay.metrics.webhookEvents('halopsa', 'invalid', result.invalid)
      return reply.code(200).send({ deliveryId: result.deliveryId, received: result.received, invalid: result.invalid })
    }
  )
}
