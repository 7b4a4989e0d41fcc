import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Relay } from '../../../services/relay.js'
import type { ApiError } from '../../errors.js'
import { failedAttempt, type FailureLimiters } from '../../plugins/auth.js'

/** What both webhook routes share: the relay, their secrets, and their failed-credentials limiters. */

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
  limiters: Pick<FailureLimiters, 'gravityzone' | 'halopsa'>
  /**
   * Counts a refused delivery (against the sender's address in its platform's failure budget, and
   * in the metrics) and throws `error`, or 429 when the address is over that budget.
   */
  refuse(request: FastifyRequest, source: 'gravityzone' | 'halopsa', outcome: string, error: ApiError): never
}

export const webhookContext = (
  relay: Relay,
  secrets: WebhookSecrets,
  limiters: WebhookContext['limiters']
): WebhookContext => ({
  relay,
  secrets,
  limiters,
  refuse(request, source, outcome, error) {
    relay.metrics.webhook(source, outcome)
    throw failedAttempt(limiters[source], request.ip, error)
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
