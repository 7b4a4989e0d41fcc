import type { EventStore } from '../store/port.js'
import { mappingRegistry } from '../domain/mappingRegistry.js'
import { mappingHealth } from '../domain/mappingHealth.js'
import { eventActions } from '../domain/eventActions.js'
import { billingConfig } from '../domain/billingConfig.js'
import { ticketingConfig } from '../domain/ticketingConfig.js'
import { integrationEventsProjection } from '../../projections/integrationEvents.js'
import { mappingsProjection } from '../../projections/mappings.js'
import type { Projection } from '../../projections/projection.js'
import { createCommandHandler } from './commandHandler.js'
import { createProjectionRunner, type ProjectionRunner } from './projectionRunner.js'
import { createEventsService, type RecheckExecutor } from './events.js'
import { createMappingsService, type Directory, type InvoiceMaker } from './mappings.js'
import { createConfigurationService, type ConfigurationChecks } from './configuration.js'
import { createAuditService } from './audit.js'
import { createIngestion } from './ingestion.js'
import { createPushPreparers } from './pushPreparers.js'
import { createMetrics, type Metrics } from './metrics.js'

/**
 * The relay's core, without HTTP: the store (instrumented), the read models and the services that
 * routes call. Platform-facing parts (mapping lookups, invoices, configuration checks, rechecks)
 * are given by the composition root once the platform clients exist.
 */

type Logger = {
  warn(obj: object, msg: string): void
  info(obj: object, msg: string): void
  error(obj: object, msg: string): void
}

export type PlatformServices = {
  directory?: Directory
  makeInvoice?: InvoiceMaker
  checks?: ConfigurationChecks
  recheck?: RecheckExecutor
}

/** Jobs that run now on request (SPEC §6: POST /api/sync/run, POST /api/billing/run). */
export type Jobs = {
  syncNow(actor: string): Promise<unknown>
  billingRun(month: string | undefined, actor: string): Promise<unknown>
}

export const createRelay = (deps: {
  store: EventStore
  logger?: Logger
  now?: () => Date
  platforms?: PlatformServices
  extraProjections?: Projection<unknown>[]
  metrics?: Metrics
  /** Threads that prepare large GravityZone deliveries (INGEST_THREADS); 0 or unset: the event loop. */
  ingestThreads?: number
}) => {
  const metrics = deps.metrics ?? createMetrics()
  const store = metrics.instrument(deps.store)
  const runner: ProjectionRunner = createProjectionRunner({
    store,
    projections: [
      integrationEventsProjection,
      mappingsProjection,
      ...(deps.extraProjections ?? [])
    ] as Projection<unknown>[],
    ...(deps.logger ? { logger: deps.logger } : {})
  })
  metrics.attach(store, runner)
  const now = deps.now ?? (() => new Date())
  const handlerOptions = { now }
  const handlers = {
    registry: createCommandHandler(store, mappingRegistry, { ...handlerOptions, cacheSize: 1 }),
    health: createCommandHandler(store, mappingHealth, { ...handlerOptions, cacheSize: 5000 }),
    actions: createCommandHandler(store, eventActions, { ...handlerOptions, cacheSize: 1000 }),
    billingConfig: createCommandHandler(store, billingConfig, { ...handlerOptions, cacheSize: 1 }),
    ticketingConfig: createCommandHandler(store, ticketingConfig, { ...handlerOptions, cacheSize: 1 })
  }
  const platforms = deps.platforms ?? {}
  const preparers = createPushPreparers({ threads: deps.ingestThreads ?? 0 })
  const relay = {
    store,
    runner,
    metrics,
    handlers,
    now,
    events: createEventsService({
      store,
      runner,
      actions: handlers.actions,
      registry: handlers.registry,
      now,
      ...(platforms.recheck ? { recheck: platforms.recheck } : {})
    }),
    mappings: createMappingsService({
      runner,
      registry: handlers.registry,
      health: handlers.health,
      ...(platforms.directory ? { directory: platforms.directory } : {}),
      ...(platforms.makeInvoice ? { makeInvoice: platforms.makeInvoice } : {})
    }),
    configuration: createConfigurationService({
      runner,
      billing: handlers.billingConfig,
      ticketing: handlers.ticketingConfig,
      ...(platforms.checks ? { checks: platforms.checks } : {})
    }),
    audit: createAuditService({ store }),
    ingestion: createIngestion({ store, now, preparers }),
    /** Set by the composition root when the platform clients exist. */
    jobs: undefined as Jobs | undefined,
    start: () => runner.start(),
    async stop() {
      await runner.stop()
      await preparers.close()
    }
  }
  return relay
}

export type Relay = ReturnType<typeof createRelay>
