import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { pushAuthorizationCheck, verifyPushMd5 } from '../../../platforms/gravityzone/push.js'
import { ApiError } from '../../errors.js'
import { WEBHOOK_BODY_LIMIT, checkHook, rawBody, type WebhookContext } from './shared.js'

/**
 * GravityZone's Event Push Service (jsonRPC `addEvents` deliveries). The Authorization header is
 * the value the relay registered with the push settings; when the API key is known, the body's
 * MD5 signature is checked too. GravityZone looks only at the status; the body says what was kept.
 */
export const gravityzoneWebhook = (app: FastifyInstance, ctx: WebhookContext): void => {
  const { relay, secrets, refuse } = ctx
  const pushAuthorized = pushAuthorizationCheck(secrets.gravityzoneAuthorization)

  app.post(
    '/webhooks/gravityzone',
    {
      bodyLimit: WEBHOOK_BODY_LIMIT,
      schema: { tags: ['webhooks'], summary: 'GravityZone Event Push Service (jsonRPC): addEvents deliveries' },
      // The credential is checked before anything else, whatever the sender's address did before.
      onRequest: checkHook((request) => {
        const header = request.headers.authorization
        if (header === undefined)
          refuse(
            request,
            'gravityzone',
            'unauthorized',
            new ApiError('missing_credentials', 'the Authorization header configured for the push service is required')
          )
        if (!pushAuthorized(header))
          refuse(
            request,
            'gravityzone',
            'unauthorized',
            new ApiError('invalid_credentials', 'the Authorization header does not match')
          )
      })
    },
    async (request: FastifyRequest, reply: FastifyReply) => {
      const body = rawBody(request)
      if (
        secrets.gravityzoneApiKey !== undefined &&
        !verifyPushMd5(secrets.gravityzoneApiKey, body, request.headers['event-push-service-md5'])
      ) {
        refuse(request, 'gravityzone', 'bad_signature', new ApiError('invalid_signature'))
      }
      const result = await relay.ingestion.gravityzonePush(body)
      if (!result.ok && result.reason === 'too_many_events') {
        relay.metrics.webhook('gravityzone', 'too_many_events')
        throw new ApiError('too_many_events', result.message)
      }
      if (!result.ok) {
        relay.metrics.webhook('gravityzone', 'malformed')
        throw new ApiError('invalid_push_envelope', result.message)
      }
      relay.metrics.webhook('gravityzone', result.invalid > 0 ? 'partially_invalid' : 'accepted')
      relay.metrics.webhookEvents('gravityzone', 'security', result.security)
      relay.metrics.webhookEvents('gravityzone', 'platform', result.platform)
      relay.metrics.webhookEvents('gravityzone', 'invalid', result.invalid)
      // GravityZone only looks at the status; the body says what was kept, JSON-RPC style.
      return reply.code(200).send({
        jsonrpc: '2.0',
        result: {
          deliveryId: result.deliveryId,
          security: result.security,
          platform: result.platform,
          invalid: result.invalid
        },
        id: null
      })
    }
  )
}
