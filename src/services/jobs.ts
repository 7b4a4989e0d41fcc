import { AsyncTask, SimpleIntervalJob, type ToadScheduler } from 'toad-scheduler'
import { DomainError } from '../domain/errors.js'
import { previousUsageMonth, usageMonth } from '../platforms/gravityzone/usage.js'
import { isPlatformError } from '../platforms/transport/errors.js'
import type { BudgetClass } from '../platforms/halopsa/budget.js'
import type { Billing, RunRequest } from './billing.js'
import type { Inventory } from './inventory.js'
import type { Metrics } from './metrics.js'
import type { PushService } from './pushService.js'
import type { Logger } from '../logger.js'
import { createJobRuns, type JobName, type JobRun, type Outcome } from './jobRuns.js'

/**
 * The scheduled work (docs/architecture.md#scheduled-work): inventory and configuration checks
 * every POLL_INTERVAL, the monthly billing run (month M's usage on day 2 of M+1 — checked hourly, so
 * a relay that was down on the 2nd bills when it comes back), an optional daily run for the current
 * month, and the push watchdog. Runs and their bookkeeping are in jobRuns.ts: a job never overlaps
 * itself, a run with upstream errors is `failed`, and a scheduled poll that would wait longer than
 * its interval for HaloPSA's budget is `skipped` with the reason. Requests to run a job now get the
 * run id at once and its result if it finishes within their wait (routes/jobs.ts). Dates come from
 * the injected clock.
 */

export type { JobName, JobRun } from './jobRuns.js'

/** Status of each job for GET /api/status. */
export type JobsStatus = Record<'sync' | 'billing' | 'pushWatchdog', { running: boolean; lastRun: LastRun | null }>
type LastRun = Pick<JobRun, 'runId' | 'status' | 'startedAt' | 'finishedAt' | 'reason' | 'errors'>

/** What the HTTP layer may ask of the jobs (relay.ts). */
export type JobControl = {
  /** Starts a run now (409 job_running while the same job runs); resolves within `waitMs`. */
  request(
    job: 'sync' | 'billing',
    options: { actor: string; month?: string; waitMs: number; proposal?: RunRequest['proposal'] }
  ): Promise<JobRun & { thrown?: unknown }>
  get(runId: string): JobRun
}

const syncOutcome = (report: { errors: string[] }): Outcome => ({ result: report, errors: report.errors })
const billingOutcome = (report: { mappings: number; failed: number }): Outcome => ({
  result: report,
  errors:
    report.failed > 0
      ? [`${report.failed} of ${report.mappings} mappings were not billed: a platform failed (BillingSkipped facts)`]
      : []
})

export const createJobs = (deps: {
  inventory: Inventory
  billing: Billing
  pushService: PushService
  metrics?: Metrics
  logger?: Logger
  now?: () => Date
  billingDaily?: boolean
  /** HaloPSA's window: a scheduled run that would wait longer than its interval is skipped. */
  haloBudget?: { waitMs(budget: BudgetClass): number }
  /** The intervals of the scheduled runs (also set by schedule()). */
  intervals?: { pollMs?: number; billingCheckMs?: number }
}) => {
  const now = deps.now ?? (() => new Date())
  const runs = createJobRuns({
    now,
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.logger ? { logger: deps.logger } : {})
  })
  const intervals = { pollMs: deps.intervals?.pollMs, billingCheckMs: deps.intervals?.billingCheckMs ?? 3_600_000 }
  let lastDaily: string | undefined

  /** A scheduled run: skipped at once when HaloPSA's budget is spent for longer than its interval. */
  const tick = async (job: JobName, work: (runId: string) => Promise<Outcome>, intervalMs?: number) => {
    if (runs.isRunning(job)) {
      deps.metrics?.job(job, 'skipped')
      return undefined
    }
    const wait = deps.haloBudget?.waitMs('background') ?? 0
    if (intervalMs !== undefined && wait > intervalMs) {
      runs.skip(job, `HaloPSA's rate budget is spent for the next ${Math.ceil(wait / 1000)} s`)
      return undefined
    }
    const run = runs.start(job, work, {
      scheduled: true,
      ...(intervalMs !== undefined ? { skipAfterMs: intervalMs } : {})
    })!
    const done = await runs.settle(run)
    // A fault (not a platform's failure, which platform health reports) reaches the scheduler's log.
    if (done.thrown !== undefined && !isPlatformError(done.thrown)) throw done.thrown
    return done.result
  }

  const billingRun =
    (month: string | undefined, actor: string, proposal?: RunRequest['proposal']) => async (runId: string) =>
      billingOutcome(await deps.billing.run(month, actor, runId, proposal ? { proposal } : {}))
  /** When the last finished poll started: billing proposals made before it are stale. */
  const lastPollAt = () => {
    const run = runs.lastRun('sync')
    return run && run.status !== 'skipped' ? new Date(run.startedAt) : undefined
  }
  const syncRun = (actor: string) => async (runId: string) => syncOutcome(await deps.inventory.sync(actor, runId))

  const control: JobControl = {
    async request(job, options) {
      const work = job === 'sync' ? syncRun(options.actor) : billingRun(options.month, options.actor, options.proposal)
      return runs.settle(runs.start(job, work)!, options.waitMs)
    },
    get(runId) {
      const run = runs.get(runId)
      if (!run) throw new DomainError('job_not_found', `no job run has id ${runId}`, { runId })
      return run
    }
  }

  const jobs = {
    ...control,
    running: runs.running,
    lastPollAt,

    status(): JobsStatus {
      const of = (job: JobName) => {
        const run = runs.lastRun(job)
        const lastRun: LastRun | null = run
          ? {
              runId: run.runId,
              status: run.status,
              startedAt: run.startedAt,
              ...(run.finishedAt !== undefined ? { finishedAt: run.finishedAt } : {}),
              ...(run.reason !== undefined ? { reason: run.reason } : {}),
              ...(run.errors !== undefined ? { errors: run.errors } : run.error ? { errors: [run.error] } : {})
            }
          : null
        return { running: runs.isRunning(job), lastRun }
      }
      return { sync: of('sync'), billing: of('billing'), pushWatchdog: of('push-watchdog') }
    },

    /** The hourly billing check: last month once it is due (day 2 onwards), today's run if daily billing is on. */
    async billingTick(): Promise<{ ran: string[] }> {
      const at = now()
      const ran: string[] = []
      const current = usageMonth(at)
      const previous = previousUsageMonth(current)
      if (at.getUTCDate() >= 2 && (await deps.billing.due(previous, { lastPollAt: lastPollAt() }))) {
        const report = await tick('billing', billingRun(previous, 'scheduler'), intervals.billingCheckMs)
        if (report) ran.push(previous)
      }
      const today = at.toISOString().slice(0, 10)
      if (deps.billingDaily && lastDaily !== today) {
        const report = await tick('billing', billingRun(current, 'scheduler'), intervals.billingCheckMs)
        if (report) {
          lastDaily = today
          ran.push(current)
        }
      }
      return { ran }
    },

    syncTick: () => tick('sync', syncRun('scheduler'), intervals.pollMs),

    watchdogTick: () =>
      tick('push-watchdog', async () => ({ result: await deps.pushService.watch(), errors: [] })) as Promise<
        Awaited<ReturnType<PushService['watch']>> | undefined
      >,

    /** Adds the three jobs to a toad-scheduler (the one @fastify/schedule stops on close). */
    schedule(scheduler: ToadScheduler, every: { pollMs: number; watchdogMs: number; billingCheckMs?: number }) {
      intervals.pollMs = every.pollMs
      if (every.billingCheckMs !== undefined) intervals.billingCheckMs = every.billingCheckMs
      const task = (id: string, run: () => Promise<unknown>) =>
        new AsyncTask(
          id,
          async () => {
            await run()
          },
          (error) => deps.logger?.error({ err: error, job: id }, 'scheduled job failed')
        )
      scheduler.addSimpleIntervalJob(
        new SimpleIntervalJob({ milliseconds: every.pollMs, runImmediately: true }, task('sync', jobs.syncTick), {
          id: 'sync',
          preventOverrun: true
        })
      )
      scheduler.addSimpleIntervalJob(
        new SimpleIntervalJob(
          { milliseconds: intervals.billingCheckMs, runImmediately: true },
          task('billing', jobs.billingTick),
          { id: 'billing', preventOverrun: true }
        )
      )
      scheduler.addSimpleIntervalJob(
        new SimpleIntervalJob(
          { milliseconds: every.watchdogMs, runImmediately: false },
          task('push-watchdog', jobs.watchdogTick),
          { id: 'push-watchdog', preventOverrun: true }
        )
      )
    },

    /**
     * Takes the three jobs off the scheduler and ends the runs in progress: this instance's term as
     * leader ended (services/leadership.ts), another instance runs them now.
     */
    async unschedule(scheduler: ToadScheduler, reason: string) {
      for (const id of ['sync', 'billing', 'push-watchdog']) if (scheduler.existsById(id)) scheduler.removeById(id)
      await runs.close(5_000, reason)
    },

    /** Ends the runs in progress at their next wait for the budget (shutdown). */
    close: () => runs.close()
  }
  return jobs
}

export type Jobs = ReturnType<typeof createJobs>
