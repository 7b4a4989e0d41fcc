import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Relay } from '../../services/relay.js'
import { pushAuthorizationCheck, verifyPushMd5 } from '../../platforms/gravityzone/push.js'
import { ApiError } from '../errors.js'
import type { FailureLimiter } from '../plugins/auth.js'
import { secretEquals } from '../../platforms/transport/secrets.js'

/**
 * Webhooks (SPEC §6), each with its platform's own authentication. The bodies are taken as raw
 * bytes whatever the Content-Type (GravityZone usually sends none, and the MD5 check needs the
 * exact bytes); credentials are checked from the headers before the body is read.
 */

export type WebhookSecrets = {
  gravityzoneAuthorization: string
  /** When set, the Event-Push-Service-Md5 header is verified too. */
  gravityzoneApiKey?: string
  halopsaUser: string
  halopsaPassword: string
}

/** Large enough for big GravityZone batches; a larger body is refused with 413 before it is read. */
export const WEBHOOK_BODY_LIMIT = 10 * 1024 * 1024

const basicCredentials = (header: string | undefined): { user: string; password: string } | undefined => {
  const match = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null
  if (!match) return undefined
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

/**
 * A credentials check that throws, as a callback hook: on the webhook path an async hook's promise
 * and microtask cost more than the check itself.
 */
const checkHook =
  (check: (request: FastifyRequest, reply: FastifyReply) => void) =>
  (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
    try {
      check(request, reply)
    } catch (error) {
      done(error as Error)
      return
    }
    done()
  }

export const webhookRoutes =
  (relay: Relay, secrets: WebhookSecrets, limiter: FailureLimiter) => async (app: FastifyInstance) => {
    // This plugin's own parsers: every body, with or without a Content-Type, as a Buffer.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) =>
      done(null, body)
    )

    const pushAuthorized = pushAuthorizationCheck(secrets.gravityzoneAuthorization)
    const refuse = (
      request: FastifyRequest,
      source: 'gravityzone' | 'halopsa',
      outcome: string,
      error: ApiError
    ): never => {
      limiter.fail(request.ip)
      relay.metrics.webhook(source, outcome)
      throw error
    }

    app.post(
      '/webhooks/gravityzone',
      {
        bodyLimit: WEBHOOK_BODY_LIMIT,
        schema: { tags: ['webhooks'], summary: 'GravityZone Event Push Service (jsonRPC): addEvents deliveries' },
        onRequest: checkHook((request) => {
          limiter.check(request.ip)
          const header = request.headers.authorization
          if (header === undefined)
            refuse(
              request,
              'gravityzone',
              'unauthorized',
              new ApiError(
                'missing_credentials',
                'the Authorization header configured for the push service is required'
              )
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
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
        if (
          secrets.gravityzoneApiKey !== undefined &&
          !verifyPushMd5(secrets.gravityzoneApiKey, body, request.headers['event-push-service-md5'])
        ) {
          refuse(request, 'gravityzone', 'bad_signature', new ApiError('invalid_signature'))
        }
        const result = await relay.ingestion.gravityzonePush(body)
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

    app.post(
      '/webhooks/halopsa',
      {
        bodyLimit: 1024 * 1024,
        schema: {
          tags: ['webhooks'],
          summary: 'HaloPSA webhook (HTTP Basic): ticket status changes and client notifications'
        },
        onRequest: checkHook((request, reply) => {
          limiter.check(request.ip)
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
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
        // Authenticated but unusable bodies are kept as facts and still answered 2xx, so HaloPSA does
        // not retry them forever (dotMARC's advice, reference/halopsa.md §4).
        const result = await relay.ingestion.halopsaWebhook(body)
        relay.metrics.webhook('halopsa', result.invalid > 0 ? 'partially_invalid' : 'accepted')
        relay.metrics.webhookEvents('halopsa', 'notification', result.received)
        relay.metrics.webhookEvents('halopsa', 'invalid', result.invalid)
        return reply
          .code(200)
          .send({ deliveryId: result.deliveryId, received: result.received, invalid: result.invalid })
      }
    )
  }
