import type { EventStore } from '../store/port.js'
import { mappingRegistry } from '../domain/mappingRegistry.js'
import { mappingHealth } from '../domain/mappingHealth.js'
import { eventActions } from '../domain/eventActions.js'
import { billingConfig } from '../domain/billingConfig.js'
import { ticketingConfig } from '../domain/ticketingConfig.js'
import { ticketDecider } from '../domain/ticket.js'
import { usageDecider } from '../domain/usage.js'
import { assetDirectory, assetMatching } from '../domain/assetDirectory.js'
import { coreProjections } from '../../projections/index.js'
import { directoryDecider } from '../domain/directory.js'
import type { Projection } from '../../projections/projection.js'
import type { Logger } from '../logger.js'
import { createCommandHandler } from './commandHandler.js'
import { createProjectionRunner, type SnapshotSettings } from './projectionRunner.js'
import { createMetrics, type Metrics } from './metrics.js'

/**
 * The relay's core: the store (instrumented for metrics), the read models that follow it, and one
 * command handler per decider. Everything else is built on it: the platform-facing services
 * (inventory, billing, ticketing) first, then the services the routes call (relay.ts), so that
 * nothing has to be set after it is built.
 */

export type RelayCoreOptions = {
  store: EventStore
  logger?: Logger
  now?: () => Date
  /** Read models beyond those every relay keeps (integration events, mappings, assets, platform directories). */
  extraProjections?: Projection<unknown>[]
  metrics?: Metrics
  /** Read-model snapshots (projectionRunner.ts); `false`: fold every fact at every start. */
  snapshots?: Partial<SnapshotSettings> | false
}

export const createRelayCore = (options: RelayCoreOptions) => {
  const metrics = options.metrics ?? createMetrics()
  const store = metrics.instrument(options.store)
  const runner = createProjectionRunner({
    store,
    projections: [...coreProjections, ...(options.extraProjections ?? [])],
    ...(options.snapshots !== undefined ? { snapshots: options.snapshots } : {}),
    ...(options.logger ? { logger: options.logger } : {})
  })
  metrics.attach(store, runner)
  const now = options.now ?? (() => new Date())
  return {
    store,
    runner,
    metrics,
    now,
    handlers: {
      registry: createCommandHandler(store, mappingRegistry, { now, cacheSize: 1 }),
      health: createCommandHandler(store, mappingHealth, { now, cacheSize: 5000 }),
      actions: createCommandHandler(store, eventActions, { now, cacheSize: 1000 }),
      billingConfig: createCommandHandler(store, billingConfig, { now, cacheSize: 1 }),
      ticketingConfig: createCommandHandler(store, ticketingConfig, { now, cacheSize: 1 }),
      ticket: createCommandHandler(store, ticketDecider, { now, cacheSize: 5000 }),
      usage: createCommandHandler(store, usageDecider, { now, cacheSize: 100 }),
      directory: createCommandHandler(store, directoryDecider, { now, cacheSize: 6 }),
      assets: createCommandHandler(store, assetDirectory, { now, cacheSize: 500 }),
      assetMatching: createCommandHandler(store, assetMatching, { now, cacheSize: 1 })
    }
  }
}

export type RelayCore = ReturnType<typeof createRelayCore>
