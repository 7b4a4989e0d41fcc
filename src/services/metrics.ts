import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { EventStore } from '../store/port.js'
import { eventTypeIds } from '../domain/integrationEvents.js'
import { integrationEventsProjection } from '../../projections/integrationEvents.js'
import type { ProjectionRunner } from './projectionRunner.js'

type UpstreamSources = {
  platforms(): Record<string, { state: 'up' | 'down' | 'unknown' }>
  budgetUsed(): Record<string, number>
}

/**
 * Prometheus metrics (docs/operations.md#metrics): webhook deliveries by outcome, append latency,
 * projection lag, upstream calls by platform and outcome, whether each platform answers, HaloPSA's
 * budget in use, active events by type, job runs. One registry per relay, so tests can build
 * several apps in one process.
 */
export const createMetrics = () => {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'relay_' })
  const webhookDeliveries = new Counter({
    name: 'relay_webhook_deliveries_total',
    help: 'Webhook deliveries by source and outcome (accepted, duplicate, partially_invalid, unauthorized, bad_signature, malformed, too_large, too_many_events, failed)',
    labelNames: ['source', 'outcome'],
    registers: [registry]
  })
  const webhookEvents = new Counter({
    name: 'relay_webhook_events_total',
    help: 'Events inside webhook deliveries, by source and kind (GravityZone: security, platform, invalid; HaloPSA: notification, invalid)',
    labelNames: ['source', 'kind'],
    registers: [registry]
  })
  const appendSeconds = new Histogram({
    name: 'relay_store_append_duration_seconds',
    help: 'Time from append to durable acknowledgement',
    labelNames: ['outcome'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry]
  })
  const upstreamCalls = new Counter({
    name: 'relay_upstream_calls_total',
    help: 'Calls to GravityZone and HaloPSA by platform and outcome',
    labelNames: ['platform', 'outcome'],
    registers: [registry]
  })
  const upstreamSeconds = new Histogram({
    name: 'relay_upstream_call_duration_seconds',
    help: 'Duration of calls to the platforms, retries included',
    labelNames: ['platform'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry]
  })
  const jobRuns = new Counter({
    name: 'relay_job_runs_total',
    help: 'Scheduled and on-demand job runs by job and outcome',
    labelNames: ['job', 'outcome'],
    registers: [registry]
  })
  const parkedTotal = new Counter({
    name: 'relay_processor_parked_total',
    help: 'Facts a processor parked because its handler kept failing on them, by processor',
    labelNames: ['processor'],
    registers: [registry]
  })
  const processors: { name: string; parked(): readonly unknown[] }[] = []
  new Gauge({
    name: 'relay_processor_parked_facts',
    help: 'Facts parked by a processor and not retried since, by processor',
    labelNames: ['processor'],
    registers: [registry],
    collect() {
      for (const p of processors) this.set({ processor: p.name }, p.parked().length)
    }
  })
  let sources: { store: EventStore; runner: ProjectionRunner } | undefined
  new Gauge({
    name: 'relay_projection_lag_facts',
    help: 'Facts committed but not yet folded into the read models (store head minus read-model position, in positions)',
    registers: [registry],
    async collect() {
      if (!sources) return
      try {
        const head = await sources.store.headPosition()
        const position = sources.runner.position()
        this.set(Number(head > position ? head - position : 0n))
      } catch {
        // The store is closing or down: /ready says so; keep the last value.
      }
    }
  })
  new Gauge({
    name: 'relay_snapshots_total',
    help: 'Read-model snapshots since start, by outcome (saved, failed: logged and tried again later)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      if (!sources) return
      const { taken, failed } = sources.runner.stats().snapshots
      this.set({ outcome: 'saved' }, taken)
      this.set({ outcome: 'failed' }, failed)
    }
  })
  new Gauge({
    name: 'relay_snapshot_age_facts',
    help: 'Facts folded since the newest read-model snapshot (saved or loaded at start)',
    registers: [registry],
    collect() {
      if (!sources) return
      const at = sources.runner.stats().snapshots.position
      if (at !== undefined) this.set(Number(sources.runner.position() - at))
    }
  })
  new Gauge({
    name: 'relay_integration_events_active',
    help: 'Active integration events by type',
    labelNames: ['type'],
    registers: [registry],
    collect() {
      if (!sources) return
      const counts = sources.runner.state(integrationEventsProjection).counts
      for (const type of eventTypeIds) this.set({ type }, counts.byType[type])
    }
  })

  let upstream: UpstreamSources | undefined
  let leadership: (() => { id: string; role: 'leader' | 'follower' }) | undefined
  new Gauge({
    name: 'relay_leader',
    help: 'Whether this instance leads (1: it runs the scheduler, the ticketing processor and the webhook registration) or follows (0), by instance id',
    labelNames: ['instance'],
    registers: [registry],
    collect() {
      if (!leadership) return
      const { id, role } = leadership()
      this.reset()
      this.set({ instance: id }, role === 'leader' ? 1 : 0)
    }
  })
  new Gauge({
    name: 'relay_platform_up',
    help: 'Whether the platform answers the relay (1) or has been unreachable for two calls or two minutes (0); absent before the first call',
    labelNames: ['platform'],
    registers: [registry],
    collect() {
      if (!upstream) return
      this.reset()
      for (const [platform, view] of Object.entries(upstream.platforms()))
        if (view.state !== 'unknown') this.set({ platform }, view.state === 'up' ? 1 : 0)
    }
  })
  new Gauge({
    name: 'relay_upstream_budget_used',
    help: "Requests of the platform's rolling rate window in use (HaloPSA: in flight, or settled within the window)",
    labelNames: ['platform'],
    registers: [registry],
    collect() {
      if (!upstream) return
      for (const [platform, used] of Object.entries(upstream.budgetUsed())) this.set({ platform }, used)
    }
  })

  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    attach(store: EventStore, runner: ProjectionRunner) {
      sources = { store, runner }
    },
    /** This instance's role (services/leadership.ts), read at each scrape. */
    attachLeadership(view: () => { id: string; role: 'leader' | 'follower' }) {
      leadership = view
    },
    /** Platform health and rate budgets, read at each scrape. */
    attachUpstream(sourcesOfUpstream: UpstreamSources) {
      upstream = sourcesOfUpstream
    },
    webhook(source: 'gravityzone' | 'halopsa', outcome: string) {
      webhookDeliveries.inc({ source, outcome })
    },
    webhookEvents(source: 'gravityzone' | 'halopsa', kind: string, n = 1) {
      if (n > 0) webhookEvents.inc({ source, kind }, n)
    },
    upstream(platform: string, outcome: string, durationMs: number) {
      upstreamCalls.inc({ platform, outcome })
      upstreamSeconds.observe({ platform }, durationMs / 1000)
    },
    job(job: string, outcome: 'ok' | 'failed' | 'skipped') {
      jobRuns.inc({ job, outcome })
    },
    /** A processor whose parked facts /metrics shows (relay_processor_parked_facts). */
    watchProcessor(processor: { name: string; parked(): readonly unknown[] }) {
      processors.push(processor)
    },
    parked(processor: string) {
      parkedTotal.inc({ processor })
    },
    /** Wraps a store so every append is timed. */
    instrument(store: EventStore): EventStore {
      return {
        ...store,
        kind: store.kind,
        async append(stream, facts, options) {
          const end = appendSeconds.startTimer()
          try {
            const result = await store.append(stream, facts, options)
            end({ outcome: 'ok' })
            return result
          } catch (error) {
            end({ outcome: 'error' })
            throw error
          }
        },
        readStream: (s, o) => store.readStream(s, o),
        readAll: (o) => store.readAll(o),
        findFacts: (q) => store.findFacts(q),
        subscribeToAll: (o) => store.subscribeToAll(o),
        headPosition: () => store.headPosition(),
        saveSnapshot: (s) => store.saveSnapshot(s),
        loadSnapshot: (name) => store.loadSnapshot(name),
        ping: () => store.ping(),
        close: () => store.close()
      }
    }
  }
}

export type Metrics = ReturnType<typeof createMetrics>
