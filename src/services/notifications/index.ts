import type { RelayCore } from '../core.js'
import { createCommandHandler } from '../commandHandler.js'
import { createProcessor } from '../processor.js'
import type { Clock } from '../../platforms/transport/clock.js'
import type { Logger } from '../../logger.js'
import { createSecretBox } from './secrets.js'
import { createNotificationSettings, notificationSettingsDecider } from './settings.js'
import { createNotificationTransport } from './transport.js'
import { createNotifier, type RetryPolicy } from './notifier.js'

/**
 * Outbound notifications, assembled (docs/notifications.md): the targets (a fact, sealed with
 * NOTIFY_SECRET_KEY), their own transport, and the `notifications` durable processor, apart from
 * the ticketing one so that a receiver that is slow or down never delays a ticket.
 */
export const createNotifications = (options: {
  core: RelayCore
  notifySecretKey?: string
  retry?: Partial<RetryPolicy>
  /** Each request's deadline (connect, headers, body). */
  timeoutMs?: number
  clock?: Clock
  logger?: Logger
}) => {
  const { core } = options
  const settings = createNotificationSettings({
    handler: createCommandHandler(core.store, notificationSettingsDecider, { now: core.now, cacheSize: 1 }),
    ...(options.notifySecretKey !== undefined ? { box: createSecretBox(options.notifySecretKey) } : {})
  })
  const transport = createNotificationTransport({
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.clock ? { now: () => options.clock!.now() } : {})
  })
  const notifier = createNotifier({
    store: core.store,
    runner: core.runner,
    settings,
    transport,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.logger ? { logger: options.logger } : {})
  })
  const processor = createProcessor({
    name: 'notifications',
    store: core.store,
    filter: { types: notifier.types },
    handle: (fact) => notifier.handle(fact),
    onParked: () => core.metrics.parked('notifications'),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.clock ? { clock: options.clock } : {})
  })
  return {
    settings,
    notifier,
    processor,
    /** Stops the processor, ending its backoffs and requests in flight. */
    async stop() {
      notifier.stop()
      await processor.stop()
    },
    close: () => transport.close()
  }
}

export type Notifications = ReturnType<typeof createNotifications>
