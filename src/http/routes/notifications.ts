import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Notifier } from '../../services/notifications/notifier.js'
import { NotificationSettings, type NotificationSettingsService } from '../../services/notifications/settings.js'
import { causeOf } from '../cause.js'
import { ApiError } from '../errors.js'
import { errorResponses } from '../schemas.js'

/**
 * Outbound notifications' targets (docs/notifications.md): `GET` shows them with URLs and secrets
 * masked, `PUT` replaces them (a NotificationsConfigured fact), `POST …/test` sends a test message
 * to each target now and says what each answered.
 */

const Shown = z.object({
  targets: z.array(
    z.object({
      name: z.string(),
      url: z.string().describe("the URL's origin; the rest masked"),
      format: z.enum(['json', 'teams', 'slack']),
      on: z.array(z.enum(['raised', 'closed', 'platform'])),
      secret: z.string().optional().describe('masked; send it back as is to keep the stored secret')
    })
  )
})

const TestResults = z.object({
  results: z.array(
    z.object({
      name: z.string(),
      ok: z.boolean(),
      status: z.number().int().optional(),
      error: z.string().optional(),
      durationMs: z.number()
    })
  )
})

export const notificationRoutes =
  (notifications: { settings: NotificationSettingsService; notifier: Notifier } | undefined): FastifyPluginAsyncZod =>
  async (app) => {
    const parts = () => {
      if (!notifications) throw new ApiError('not_configured', 'this relay sends no notifications')
      return notifications
    }
    const tags = ['configuration']

    app.get(
      '/api/config/notifications',
      {
        config: { scope: 'read' },
        schema: {
          tags,
          summary: 'Notification targets (URLs and secrets masked)',
          response: { 200: Shown, ...errorResponses(401, 503) }
        }
      },
      async () => parts().settings.get()
    )

    app.put(
      '/api/config/notifications',
      {
        config: { scope: 'operate' },
        schema: {
          tags,
          summary: 'Replace the notification targets',
          body: NotificationSettings,
          response: { 200: Shown, ...errorResponses(400, 401, 403, 422, 503) }
        }
      },
      async (request) => parts().settings.put(request.body, causeOf(request))
    )

    app.post(
      '/api/config/notifications/test',
      {
        config: { scope: 'operate' },
        schema: {
          tags,
          summary: 'Send a test message to every target now; answers what each target answered',
          response: { 200: TestResults, ...errorResponses(401, 403, 503) }
        }
      },
      async () => parts().notifier.test()
    )
  }
