import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import fastifySchedule from '@fastify/schedule'
import { buildApp } from './app.js'
import type { Config } from './config.js'
import { openEventStore } from './store/index.js'
import type { EventStore } from './store/port.js'
import { createGravityZoneClient } from './platforms/gravityzone/client.js'
import { createHaloPsaClient } from './platforms/halopsa/client.js'
import type { Clock } from './platforms/transport/clock.js'
import { isPlatformError } from './platforms/transport/errors.js'
import { createServiceProjections } from '../projections/index.js'
import { billingProposals } from './domain/billingProposals.js'
import { createUsageReader } from './services/billing/usageReader.js'
import { createPlanner } from './services/billing/plan.js'
import { createInvoiceLinks } from './services/billing/linking.js'
import { createBillingApproval } from './services/billing/approval.js'
import { createBillingReports } from './services/billing/reports.js'
import { createSecurityEventsService } from './services/securityEvents.js'
import { createNotifications } from './services/notifications/index.js'
import { createRelay, type Relay } from './services/relay.js'
import { createMetrics } from './services/metrics.js'
import { createRelayCore } from './services/core.js'
import { storedBillingItems, storedTicketingConfiguration } from './services/configuration.js'
import { createInventory } from './services/inventory.js'
import { createTicketing } from './services/ticketing.js'
import { createTicketRulesService } from './services/ticketRules.js'
import { createAssets } from './services/assets.js'
import { createAssetPoll } from './services/assets/poll.js'
import { createBilling } from './services/billing.js'
import { createRecheck } from './services/recheck.js'
import { createPushService } from './services/pushService.js'
import { createJobs } from './services/jobs.js'
import { createProcessor, type Processor } from './services/processor.js'
import { retryLater } from './services/parkedFacts.js'
import { dashboardRoutes } from './http/routes/dashboard.js'
import { createDoctor, doctorSettings } from './services/doctor.js'
import { platformHealth } from './domain/platformHealth.js'
import type { Platform } from './domain/facts.js'
import { inBudget } from './platforms/halopsa/budget.js'
import { createCommandHandler } from './services/commandHandler.js'
import { createPlatformHealth, type PlatformHealth } from './services/platformHealth.js'
import { createStatus, type StatusSource } from './services/status.js'
import { instanceIdOf, soleLeadership, storeLeadership, type Leadership } from './services/leadership.js'
import { asLeaderWork, fencedStore, NotLeader } from './services/leaderFence.js'
import { DomainError } from './domain/errors.js'

/**
 * The composition root: from a validated configuration to a running relay — store, platform
 * clients, read models, services, the ticketing processor, scheduled jobs and the HTTP app. Used
 * by main.ts, by `npm run demo`, and by the end-to-end tests (which pass a store and a clock).
 * Each part is built once its dependencies exist, so none is set after it is built.
 */

export type ComposeOptions = {
  /** main.ts's pino instance: the services and Fastify log through it. */
  logger?: FastifyBaseLogger
  /** Use this store instead of opening EVENT_STORE_URL. */
  store?: EventStore
  clock?: Clock
  /** Start the scheduled jobs (default true; tests drive jobs directly). */
  schedule?: boolean
  /** Notification delivery: retry policy and request deadline (tests shorten them). */
  notifications?: Omit<Parameters<typeof createNotifications>[0], 'core' | 'notifySecretKey' | 'clock' | 'logger'>
  /** Ticketing retry policy (tests shorten it). */
  ticketingRetry?: { minMs?: number; maxMs?: number; giveUpAfterMs?: number }
  /** Outbound call deadline and retry backoff (tests shorten them). */
  upstream?: {
    timeoutMs?: number
    retry?: { retries?: number; minDelayMs?: number; maxDelayMs?: number; defaultRetryAfterMs?: number }
  }
  gravityzoneLimits?: Parameters<typeof createGravityZoneClient>[0]['limits']
  pageSize?: number
}

export type ComposedRelay = {
  app: FastifyInstance
  relay: Relay
  processor: Processor
  notifications: ReturnType<typeof createNotifications>
  jobs: ReturnType<typeof createJobs>
  inventory: ReturnType<typeof createInventory>
  billing: ReturnType<typeof createBilling>
  pushService: ReturnType<typeof createPushService>
  health: PlatformHealth
  status: StatusSource
  /** Which instance this is and whether it leads (services/leadership.ts). */
  leadership: Leadership
  clients: { gravityzone: ReturnType<typeof createGravityZoneClient>; halopsa: ReturnType<typeof createHaloPsaClient> }
  /** Catches up the read models, starts the processor and the scheduler (call before listen). */
  start(): Promise<void>
  /** Stops jobs, HTTP, the processor and the read models, then the store. */
  close(): Promise<void>
}

export const composeRelay = async (config: Config, options: ComposeOptions = {}): Promise<ComposedRelay> => {
  const logger = options.logger
  const clock = options.clock
  const now = clock ? () => new Date(clock.now()) : () => new Date()
  const rawStore = options.store ?? (await openEventStore(config.EVENT_STORE_URL))
  // One relay per SQLite file (the file lock sees to it): it always leads. On EventStoreDB any
  // number of instances share the store and one of them, holding the lease, does the leader's work,
  // whose appends are fenced by its term (services/leaderFence.ts).
  const instanceId = instanceIdOf(config.INSTANCE_ID)
  const leadership =
    rawStore.kind === 'sqlite'
      ? soleLeadership(instanceId, now)
      : storeLeadership({
          store: rawStore,
          instanceId,
          renewMs: config.LEASE_RENEW_MS,
          ttlMs: config.LEASE_TTL_MS,
          now,
          ...(logger ? { logger } : {})
        })
  const store = rawStore.kind === 'sqlite' ? rawStore : fencedStore(rawStore, leadership.verify)
  const metrics = createMetrics()
  metrics.attachLeadership(() => leadership.view())
  // Every finished call feeds the metrics and the platform's health (whose transitions are facts).
  const health = createPlatformHealth({
    handler: createCommandHandler(metrics.instrument(rawStore), platformHealth, { now, cacheSize: 2 }),
    now,
    ...(logger ? { logger } : {})
  })
  const upstream =
    (platform: Platform) => (e: { call: string; outcome: string; status?: number; durationMs: number }) => {
      metrics.upstream(platform, e.outcome, e.durationMs)
      health.observe(platform, e)
    }

  const gravityzone = createGravityZoneClient({
    apiUrl: config.GZ_API_URL,
    apiKey: config.GZ_API_KEY,
    onCall: upstream('gravityzone'),
    ...(clock ? { clock } : {}),
    ...(options.upstream?.timeoutMs ? { timeoutMs: options.upstream.timeoutMs } : {}),
    ...(options.upstream?.retry ? { retry: options.upstream.retry } : {}),
    ...(options.gravityzoneLimits ? { limits: options.gravityzoneLimits } : {})
  })
  const halopsa = createHaloPsaClient({
    url: config.HALO_URL,
    ...(config.HALO_AUTH_URL ? { authUrl: config.HALO_AUTH_URL } : {}),
    ...(config.HALO_TENANT ? { tenant: config.HALO_TENANT } : {}),
    clientId: config.HALO_CLIENT_ID,
    clientSecret: config.HALO_CLIENT_SECRET,
    limits: config.HALO_RATE_LIMIT,
    ticketReserve: config.HALO_TICKET_RESERVE,
    onCall: upstream('halopsa'),
    ...(clock ? { clock } : {}),
    ...(options.upstream?.timeoutMs ? { timeoutMs: options.upstream.timeoutMs } : {}),
    ...(options.upstream?.retry ? { retry: options.upstream.retry } : {})
  })

  const core = createRelayCore({
    store,
    metrics,
    now,
    extraProjections: [...createServiceProjections({ securityEventsInMemory: config.SECURITY_EVENTS_IN_MEMORY })],
    snapshots: config.SNAPSHOTS && { everyFacts: config.SNAPSHOT_EVERY, intervalMs: config.SNAPSHOT_INTERVAL },
    ...(logger ? { logger } : {})
  })
  const { runner, handlers } = core
  const ticketingConfiguration = storedTicketingConfiguration(handlers.ticketingConfig)
  const billingItems = storedBillingItems(handlers.billingConfig)
  const assets = createAssets({
    runner,
    handlers,
    ...(config.GZ_ENDPOINT_URL ? { endpointUrl: config.GZ_ENDPOINT_URL } : {})
  })
  const inventory = createInventory({
    store: core.store,
    runner,
    handlers,
    gravityzone,
    halopsa,
    ticketingConfiguration,
    now,
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
    assets: createAssetPoll({
      runner,
      handler: handlers.assets,
      gravityzone,
      halopsa,
      rematch: assets.rematch,
      intervalMs: config.ASSET_POLL_INTERVAL,
      now,
      pageSize: options.pageSize ?? 250,
      ...(logger ? { logger } : {})
    })
  })
  const usageReader = createUsageReader({ gravityzone, now: () => now().getTime() })
  const plan = createPlanner({
    runner,
    billingConfig: handlers.billingConfig,
    halopsa,
    usage: usageReader,
    alertChange: config.BILLING_ALERT_CHANGE,
    ...(options.pageSize ? { pageSize: options.pageSize } : {})
  })
  const proposals = createCommandHandler(core.store, billingProposals, { now, cacheSize: 12 })
  const billing = createBilling({
    store: core.store,
    runner,
    usage: handlers.usage,
    proposals,
    inventory,
    gravityzone,
    halopsa,
    plan,
    approval: config.BILLING_APPROVAL,
    now,
    ...(options.pageSize ? { pageSize: options.pageSize } : {})
  })
  const invoiceLinks = createInvoiceLinks({
    halopsa,
    health: handlers.health,
    registry: handlers.registry,
    billingItems
  })
  const pushService = createPushService({
    store: core.store,
    gravityzone,
    halopsa,
    pushAuthorization: config.GZ_PUSH_AUTHORIZATION,
    ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}),
    haloWebhook: { user: config.HALO_WEBHOOK_USER, password: config.HALO_WEBHOOK_PASSWORD },
    now,
    ...(logger ? { logger } : {})
  })
  const jobs = createJobs({
    inventory,
    billing,
    pushService,
    metrics,
    now,
    billingDaily: config.BILLING_DAILY,
    haloBudget: halopsa.limiter,
    intervals: { pollMs: config.POLL_INTERVAL },
    ...(logger ? { logger } : {})
  })
  // Recheck of platform-unreachable: the lightest call that needs the platform and the credentials.
  const probes: Record<Platform, () => Promise<unknown>> = {
    gravityzone: () => gravityzone.getApiKeyDetails(),
    halopsa: () => halopsa.statuses.list()
  }
  const relay = createRelay({
    core,
    ingestThreads: config.INGEST_THREADS,
    pushMaxEvents: config.PUSH_MAX_EVENTS,
    assets,
    // Runs on request happen on the leader, so that a poll never runs on two instances at once.
    jobs: {
      request(job, requested) {
        const { role, term } = leadership.view()
        if (role !== 'leader')
          throw new DomainError(
            'not_leader',
            `instance ${instanceId} does not lead (term ${term}); the leader runs jobs`
          )
        return jobs.request(job, requested)
      },
      get: (runId) => jobs.get(runId)
    },
    platforms: {
      directory: {
        company: (id) =>
          gravityzone.getCompanyDetails(id).then(
            (c) => ({ id: c.id, name: c.name }),
            (error) => {
              if (isPlatformError(error) && error.kind === 'not_found') return null
              throw error
            }
          ),
        client: (id) =>
          halopsa.clients.get(id).then((c) => (c ? { id: c.id, name: c.name, inactive: c.inactive === true } : null))
      },
      makeInvoice: invoiceLinks.create,
      invoices: invoiceLinks,
      checks: {
        missingItems: async (ids) =>
          (await Promise.all(ids.map(async (id) => ((await halopsa.items.get(id)) ? undefined : id)))).filter(
            (id): id is number => id !== undefined
          ),
        ticketingProblems: inventory.ticketingProblems
      },
      recheck: createRecheck({
        runner,
        inventory,
        platforms: { recheck: (platform, cause) => health.recheck(platform, cause, probes[platform]) }
      })
    }
  })
  const ticketRules = createTicketRulesService({
    store: core.store,
    runner,
    ticketingConfig: handlers.ticketingConfig,
    now,
    checks: {
      priorityIds: async () => (await halopsa.priorities.list()).map((p) => p.id),
      statusIds: async () => (await halopsa.statuses.list()).map((s) => s.id)
    }
  })
  const ticketing = createTicketing({
    runner,
    ticket: handlers.ticket,
    ticketingConfig: handlers.ticketingConfig,
    ticketingConfiguration,
    ticketRules: ticketRules.current,
    halopsa,
    gravityzone,
    assets,
    ...(clock ? { clock } : {}),
    ...(logger ? { logger } : {}),
    ...(options.ticketingRetry ? { retry: options.ticketingRetry } : {}),
    ...(config.TICKETING_FALLBACK_CLIENT_ID !== undefined
      ? { fallbackClientId: config.TICKETING_FALLBACK_CLIENT_ID }
      : {}),
    factAt: async (position) => (await core.store.readAll({ fromPosition: position, maxCount: 1 }))[0]
  })
  const processor = createProcessor({
    name: 'ticketing',
    store: core.store,
    filter: { types: ticketing.types },
    // Ticket work goes first in HaloPSA's budget (platforms/halopsa/budget.ts).
    handle: (fact) =>
      inBudget({ budget: 'tickets' }, async () => {
        // Decisions read the mappings and events as of this fact; read models behind are waited out.
        await runner.waitForPosition(fact.position).catch((error: unknown) => {
          throw retryLater(error)
        })
        await ticketing.handle(fact)
      }),
    onParked: () => metrics.parked('ticketing'),
    ...(logger ? { logger } : {}),
    ...(clock ? { clock } : {})
  })
  metrics.watchProcessor(processor)
  // A second durable processor of its own: a slow or dead receiver never holds up ticket work.
  const notifications = createNotifications({
    core,
    ...(config.NOTIFY_SECRET_KEY !== undefined ? { notifySecretKey: config.NOTIFY_SECRET_KEY } : {}),
    ...options.notifications,
    ...(clock ? { clock } : {}),
    ...(logger ? { logger } : {})
  })
  metrics.watchProcessor(notifications.processor)
  const status = createStatus({
    store: core.store,
    health,
    jobs,
    processor,
    webhooks: pushService,
    ticketing,
    halopsaBudget: halopsa.limiter,
    notifications,
    instance: () => leadership.view()
  })
  metrics.attachUpstream({
    platforms: () => health.view(),
    budgetUsed: () => ({ halopsa: halopsa.limiter.usage().used })
  })

  const billingReports = createBillingReports({
    now,
    plan,
    usage: usageReader,
    gravityzone,
    halopsa,
    approvals: createBillingApproval({
      runner,
      proposals,
      jobs,
      lastPollAt: jobs.lastPollAt,
      approval: config.BILLING_APPROVAL
    })
  })

  const app = await buildApp({
    relay,
    billing: billingReports,
    tokens: config.API_TOKENS,
    webhooks: {
      gravityzoneAuthorization: config.GZ_PUSH_AUTHORIZATION,
      gravityzoneApiKey: config.GZ_API_KEY,
      halopsaUser: config.HALO_WEBHOOK_USER,
      halopsaPassword: config.HALO_WEBHOOK_PASSWORD
    },
    ...(logger ? { logger } : {}),
    trustProxy: config.TRUST_PROXY,
    plugins: [dashboardRoutes()],
    status,
    notifications,
    securityEvents: createSecurityEventsService({ store: core.store, runner, ticket: handlers.ticket }),
    ticketRules,
    doctor: createDoctor({ gravityzone, halopsa, ...doctorSettings(config), ticketingConfiguration, now }),
    processor
  })
  await app.register(fastifySchedule)

  /** The leader's work, started with each term this instance wins and stopped when it ends. */
  let term: { term: number; signal: AbortSignal; abort: AbortController } | undefined
  const leaderWork = {
    async lead(won: number) {
      const abort = new AbortController()
      term = { term: won, signal: abort.signal, abort }
      await asLeaderWork(term, async () => {
        await processor.start()
        await notifications.processor.start()
        if (options.schedule === false) return
        jobs.schedule(app.scheduler, { pollMs: config.POLL_INTERVAL, watchdogMs: config.PUSH_WATCHDOG_INTERVAL })
        void pushService
          .register()
          .catch((error) =>
            logger?.warn(
              { err: error },
              'could not register the webhooks with the platforms; will keep working without'
            )
          )
      })
    },
    async follow(ended: number, reason: string) {
      const current = term
      if (current?.term !== ended) return
      term = undefined
      // Its outbound calls end now; its appends are refused by the fence from the moment it lost.
      current.abort.abort(new NotLeader(reason))
      await Promise.all([
        asLeaderWork(current, () => processor.stop()),
        asLeaderWork(current, () => notifications.stop()),
        options.schedule === false ? undefined : jobs.unschedule(app.scheduler, reason)
      ])
    }
  }

  let started = false
  return {
    app,
    relay,
    processor,
    notifications,
    jobs,
    inventory,
    billing,
    pushService,
    health,
    status,
    leadership,
    clients: { gravityzone, halopsa },
    async start() {
      await health.start()
      await relay.start()
      await app.ready()
      await leadership.start(leaderWork)
      started = true
    },
    async close() {
      // Runs waiting for HaloPSA's budget stop now, so requests waiting for them answer at once.
      await Promise.all([app.close(), jobs.close()])
      // The leader's work stops at a checkpoint, then the lease is given up for the next leader.
      if (started) await leadership.stop()
      await notifications.close()
      await relay.stop()
      await gravityzone.close()
      await halopsa.close()
      await health.flush()
      await store.close()
    }
  }
}
