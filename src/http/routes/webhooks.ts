import type { FastifyInstance } from 'fastify'
import type { Relay } from '../../services/relay.js'
import type { FailureLimiters } from '../plugins/auth.js'
import { WEBHOOK_BODY_LIMIT, webhookContext, type WebhookSecrets } from './webhooks/shared.js'
import { gravityzoneWebhook } from './webhooks/gravityzone.js'
import { halopsaWebhook } from './webhooks/halopsa.js'

/**
 * The two webhooks, one file per platform (webhooks/gravityzone.ts, webhooks/halopsa.ts), each
 * with its platform's own authentication. The bodies are taken as raw bytes whatever the
 * Content-Type (GravityZone usually sends none, and the MD5 check needs the exact bytes);
 * credentials are checked from the headers before the body is read.
 */

export type { WebhookSecrets }

export const webhookRoutes =
  (relay: Relay, secrets: WebhookSecrets, limiters: Pick<FailureLimiters, 'gravityzone' | 'halopsa'>) =>
  async (app: FastifyInstance) => {
    // This plugin's own parsers: every body, with or without a Content-Type, as a Buffer.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) =>
      done(null, body)
    )
    const ctx = webhookContext(relay, secrets, limiters)
    gravityzoneWebhook(app, ctx)
    halopsaWebhook(app, ctx)
  }
