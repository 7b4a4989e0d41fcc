import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Relay } from '../../../services/relay.js'
import type { ApiError } from '../../errors.js'
import type { FailureLimiter } from '../../plugins/auth.js'

/** What both webhook routes share: the relay, their secrets, and the failed-credentials limiter. */

export type WebhookSecrets = {
  gravityzoneAuthorization: string
  /** When set, the Event-Push-Service-Md5 header is verified too. */
  gravityzoneApiKey?: string
  halopsaUser: string
  halopsaPassword: string
}

/** Large enough for big GravityZone batches; a larger body is refused with 413 before it is read. */
export const WEBHOOK_BODY_LIMIT = 10 * 1024 * 1024

export type WebhookContext = {
  relay: Relay
  secrets: WebhookSecrets
  limiter: FailureLimiter
  /** Counts a refused delivery (against the sender's address and in the metrics) and throws `error`. */
  refuse(request: FastifyRequest, source: 'gravityzone' | 'halopsa', outcome: string, error: ApiError): never
}

export const webhookContext = (relay: Relay, secrets: WebhookSecrets, limiter: FailureLimiter): WebhookContext => ({
  relay,
  secrets,
  limiter,
  refuse(request, source, outcome, error) {
    limiter.fail(request.ip)
    relay.metrics.webhook(source, outcome)
    throw error
  }
})

/**
 * A credentials check that throws, as a callback hook: on the webhook path an async hook's promise
 * and microtask cost more than the check itself.
 */
export const checkHook =
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

/** The raw body the plugin's parser gives every webhook (empty when there was none). */
export const rawBody = (request: FastifyRequest): Buffer =>
  Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
