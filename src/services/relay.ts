import { createEventsService, type RecheckExecutor } from './events.js'
import { createMappingsService, type Directory, type InvoiceMaker } from './mappings.js'
import { createConfigurationService, type ConfigurationChecks } from './configuration.js'
import { createAuditService } from './audit.js'
import { createIngestion } from './ingestion.js'
import { createPushPreparers } from './pushPreparers.js'
import { createRelayCore, type RelayCore, type RelayCoreOptions } from './core.js'
import type { JobControl } from './jobs.js'
import type { InvoiceLinks } from './billing/linking.js'
import { createAssets, type Assets } from './assets.js'

/**
 * The services the routes call, on the relay's core (core.ts), without HTTP. Platform-facing parts
 * (mapping lookups, invoices, configuration checks, rechecks, jobs run on request) are given by
 * the composition root, which builds them on the same core first; without them (tests, the
 * dashboard's browser tests) the relay answers as if the platforms could not be asked.
 */

export type PlatformServices = {
  directory?: Directory
  makeInvoice?: InvoiceMaker
  /** Links (or creates) a mapping's recurring invoice when billing is switched on. */
  invoices?: InvoiceLinks
  checks?: ConfigurationChecks
  recheck?: RecheckExecutor
}

/** Jobs that run now on request and their runs (docs/operations.md#jobs). */
export type Jobs = JobControl

type RelayOptions = (RelayCoreOptions | { core: RelayCore }) & {
  platforms?: PlatformServices
  jobs?: Jobs
  /** Threads that prepare large GravityZone deliveries (INGEST_THREADS); 0 or unset: the event loop. */
  ingestThreads?: number
  /** Events one GravityZone delivery may hold (PUSH_MAX_EVENTS); unset: its default. */
  pushMaxEvents?: number
  /** Asset mappings built on the same core (compose.ts hands them to the poll and ticketing too). */
  assets?: Assets
}

export const createRelay = (deps: RelayOptions) => {
  const core = 'core' in deps ? deps.core : createRelayCore(deps)
  const { store, runner, handlers, now } = core
  const platforms = deps.platforms ?? {}
  const preparers = createPushPreparers({
    threads: deps.ingestThreads ?? 0,
    ...(deps.pushMaxEvents !== undefined ? { maxEvents: deps.pushMaxEvents } : {})
  })
  return {
    ...core,
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
      ...(platforms.makeInvoice ? { makeInvoice: platforms.makeInvoice } : {}),
      ...(platforms.invoices ? { invoices: platforms.invoices } : {})
    }),
    configuration: createConfigurationService({
      runner,
      billing: handlers.billingConfig,
      ticketing: handlers.ticketingConfig,
      ...(platforms.checks ? { checks: platforms.checks } : {})
    }),
    audit: createAuditService({ store }),
    assets: deps.assets ?? createAssets({ runner, handlers }),
    ingestion: createIngestion({ store, now, preparers }),
    jobs: deps.jobs,
    start: () => runner.start(),
    async stop() {
      await runner.stop()
      await preparers.close()
    }
  }
}

export type Relay = ReturnType<typeof createRelay>
