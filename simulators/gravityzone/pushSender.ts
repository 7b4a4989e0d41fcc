import { Agent, request } from 'undici'
import type { Clock } from '../../src/platforms/transport/clock.js'
import type { GeneratedEvent } from './events/index.js'
import { pushRequest, type ServiceType } from './pushBody.js'
import { createPushStats, type DeliveryOutcome } from './pushStats.js'

/**
 * GravityZone's Event Push Service for one API key
 * (docs/platforms/gravityzone.md#event-push-service): configured by setPushEventSettings, it POSTs
 * batches to the receiver with the configured `Authorization`, an `Event-Push-Service-Md5` header
 * and no Content-Type, counts every non-200 answer, connection failure and timeout, and switches
 * itself off (status 0) after more than `maxFailures` failed deliveries, or when `disableAfterMs`
 * (3 h) pass after the last error without a 200
 * (docs/platforms/gravityzone.md#switch-off-after-failed-deliveries). Failed batches are not
 * re-sent: whether GravityZone retries is undocumented, and at-most-once is the safe reading.
 */

export type PushSettings = {
  status: 0 | 1
  serviceType: ServiceType
  serviceSettings: {
    url: string
    requireValidSslCertificate: boolean
    authorization?: string
    splunkAuthorization?: string
  }
  subscribeToEventTypes: Record<string, boolean>
  /** null: every company the key manages. */
  subscribeToCompanies: string[] | null
}

export type PushSenderOptions = {
  apiKey: string
  clock: Clock
  /** Whether the key may see this company's events. */
  inScope: (companyId: string) => boolean
  /** Failed deliveries tolerated before the service stops itself (GravityZone: 100). */
  maxFailures?: number
  /** Time after the last error without a 200 before the service stops itself (GravityZone: 3 h). */
  disableAfterMs?: number
  /** How long events wait to be batched with others. */
  batchDelayMs?: number
  maxBatchSize?: number
  /** The receiver must answer within this. */
  timeoutMs?: number
}

export type QueuedEvent = { event: GeneratedEvent; ownerCompanyId?: string; test?: boolean }
export type Rejection = 'disabled' | 'not-subscribed' | 'not-in-subscribed-companies' | 'out-of-scope'
export type BatchReport = { events: number; modules: string[]; ok: boolean; status?: number; error?: string }
export type SendReport = {
  status: 0 | 1
  sent: number
  filtered: Partial<Record<Rejection, number>>
  batches: BatchReport[]
}
export type DeliveryRecord = BatchReport & { at: string; test: boolean; bytes: number }

export const defaultDisableAfterMs = 3 * 60 * 60 * 1000

export const createPushSender = (options: PushSenderOptions) => {
  const maxFailures = options.maxFailures ?? 100
  const disableAfterMs = options.disableAfterMs ?? defaultDisableAfterMs
  const maxBatchSize = options.maxBatchSize ?? 100
  const stats = createPushStats(options.clock)
  let settings: PushSettings | undefined
  let agent: Agent | undefined
  let failuresSinceEnabled = 0
  let lastErrorAt: number | undefined
  let disabledReason: string | undefined
  let queue: QueuedEvent[] = []
  let timer: NodeJS.Timeout | undefined
  let chain: Promise<unknown> = Promise.resolve()
  const log: DeliveryRecord[] = []

  const disable = (reason: string) => {
    if (settings) settings.status = 0
    disabledReason = reason
  }
  /** The 3-hour rule, measured on the injected clock. */
  const check = () => {
    if (settings?.status === 1 && lastErrorAt !== undefined && options.clock.now() - lastErrorAt >= disableAfterMs) {
      disable(`no successful delivery within ${disableAfterMs} ms after the last error`)
    }
  }

  const rejection = (q: QueuedEvent): Rejection | undefined => {
    if (settings?.status !== 1) return 'disabled'
    if (q.test) return undefined
    if (settings.subscribeToEventTypes[String(q.event.module)] !== true) return 'not-subscribed'
    const companyId = q.ownerCompanyId ?? (typeof q.event.companyId === 'string' ? q.event.companyId : undefined)
    if (companyId === undefined) return undefined
    if (!options.inScope(companyId)) return 'out-of-scope'
    if (settings.subscribeToCompanies && !settings.subscribeToCompanies.includes(companyId))
      return 'not-in-subscribed-companies'
    return undefined
  }

  const deliver = async (batch: QueuedEvent[]): Promise<BatchReport> => {
    const events = batch.map((q) => q.event)
    const modules = [...new Set(events.map((e) => String(e.module)))]
    check()
    if (!settings || settings.status !== 1) return { events: 0, modules, ok: false, error: 'push service is disabled' }
    const { body, headers } = pushRequest(settings, options.apiKey, events, options.clock.now())
    let outcome: DeliveryOutcome
    if (!headers) {
      outcome = { kind: 'configurationError', error: 'no authorization configured' }
    } else {
      const timeoutMs = options.timeoutMs ?? 10_000
      try {
        const res = await request(settings.serviceSettings.url, {
          method: 'POST',
          headers,
          body,
          dispatcher: agent,
          signal: AbortSignal.timeout(timeoutMs),
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs
        })
        await res.body.dump()
        outcome = { kind: 'status', status: res.statusCode }
      } catch (error) {
        // undici errors carry a string code; an aborted signal is a DOMException (numeric code, named TimeoutError).
        const raw = (error as { code?: unknown }).code
        const code = typeof raw === 'string' ? raw : (error as Error).name
        outcome = /timeout|abort/i.test(code)
          ? { kind: 'timeout', error: 'timed out' }
          : /CERT|SSL|TLS|SELF_SIGNED/i.test(code)
            ? { kind: 'configurationError', error: `TLS: ${code}` }
            : { kind: 'connectionError', error: code }
      }
    }
    const ok = stats.record(outcome, batch)
    if (ok) {
      lastErrorAt = undefined
    } else {
      failuresSinceEnabled++
      lastErrorAt = options.clock.now()
      if (failuresSinceEnabled > maxFailures) disable(`more than ${maxFailures} failed deliveries`)
    }
    const report: BatchReport = {
      events: events.length,
      modules,
      ok,
      ...(outcome.kind === 'status' ? { status: outcome.status } : { error: outcome.error })
    }
    log.push({
      ...report,
      at: new Date(options.clock.now()).toISOString(),
      test: batch.some((q) => q.test),
      bytes: Buffer.byteLength(body)
    })
    if (log.length > 500) log.splice(0, log.length - 500)
    return report
  }

  /** Deliveries go out one at a time, in order. */
  const sendBatches = (events: QueuedEvent[]): Promise<BatchReport[]> => {
    const batches: QueuedEvent[][] = []
    for (let i = 0; i < events.length; i += maxBatchSize) batches.push(events.slice(i, i + maxBatchSize))
    const run = chain.then(async () => {
      const reports: BatchReport[] = []
      for (const batch of batches) reports.push(await deliver(batch))
      return reports
    })
    chain = run.catch(() => undefined)
    return run
  }

  const flush = async (): Promise<SendReport> => {
    if (timer) clearTimeout(timer)
    timer = undefined
    const taken = queue
    queue = []
    const batches = taken.length > 0 ? await sendBatches(taken) : []
    return { status: settings?.status ?? 0, sent: batches.reduce((n, b) => n + b.events, 0), filtered: {}, batches }
  }

  return {
    configure(next: PushSettings) {
      settings = structuredClone(next)
      void agent?.close()
      agent = new Agent({ connect: { rejectUnauthorized: next.serviceSettings.requireValidSslCertificate } })
      // Calling setPushEventSettings again is how a stopped service is re-armed
      // (docs/platforms/gravityzone.md#switch-off-after-failed-deliveries).
      failuresSinceEnabled = 0
      lastErrorAt = undefined
      disabledReason = undefined
    },
    settings: (): PushSettings | undefined => (settings ? structuredClone(settings) : undefined),
    status: (): 0 | 1 => (check(), settings?.status ?? 0),
    disabledReason: () => disabledReason,
    /** Queues an event the tenant produced; it goes out with the next batch. */
    enqueue(q: QueuedEvent): Rejection | undefined {
      const rejected = rejection(q)
      if (rejected) return rejected
      queue.push(q)
      if (queue.length >= maxBatchSize) void flush()
      else if (!timer) timer = setTimeout(() => void flush(), options.batchDelayMs ?? 50).unref()
      return undefined
    },
    /** Sends these events now, in batches, through the same filters; answers what happened. */
    async send(events: QueuedEvent[]): Promise<SendReport> {
      const filtered: Partial<Record<Rejection, number>> = {}
      const accepted = events.filter((q) => {
        const rejected = rejection(q)
        if (rejected) filtered[rejected] = (filtered[rejected] ?? 0) + 1
        return rejected === undefined
      })
      const batches = accepted.length > 0 ? await sendBatches(accepted) : []
      return { status: settings?.status ?? 0, sent: batches.reduce((n, b) => n + b.events, 0), filtered, batches }
    },
    flush,
    check,
    stats: stats.snapshot,
    resetStats: stats.reset,
    deliveries: (): DeliveryRecord[] => log.map((d) => ({ ...d })),
    failuresSinceEnabled: () => failuresSinceEnabled,
    /** Resolves once every delivery started so far has finished. */
    idle: () => chain.then(() => undefined),
    async close() {
      if (timer) clearTimeout(timer)
      queue = []
      await chain
      await agent?.close()
    }
  }
}

export type PushSender = ReturnType<typeof createPushSender>
