import { AsyncTask, SimpleIntervalJob, type ToadScheduler } from 'toad-scheduler'
import { DomainError } from '../domain/errors.js'
import { previousUsageMonth, usageMonth } from '../platforms/gravityzone/usage.js'
import type { Billing } from './billing.js'
import type { Inventory } from './inventory.js'
import type { Metrics } from './metrics.js'
import type { PushService } from './pushService.js'
import type { Logger } from '../logger.js'

/**
 * The scheduled work (docs/architecture.md#scheduled-work): inventory and configuration checks
 * every POLL_INTERVAL, the monthly billing run (month M's usage on day 2 of M+1 — checked hourly,
 * so a relay that was down on the 2nd bills when it comes back), an optional daily run for the
 * current month, and the push watchdog. A job never overlaps itself: a scheduled tick that finds
 * its job running is skipped, a request to run it now is refused with 409. Dates come from the
 * injected clock.
 */

type JobName = 'sync' | 'billing' | 'push-watchdog'

export const createJobs = (deps: {
  inventory: Inventory
  billing: Billing
  pushService: PushService
  metrics?: Metrics
  logger?: Logger
  now?: () => Date
  billingDaily?: boolean
}) => {
  const now = deps.now ?? (() => new Date())
  const running = new Set<JobName>()
  let lastDaily: string | undefined

  /** Runs `work` unless `job` is already running; `scheduled` ticks skip, requests are refused. */
  const exclusive = async <T>(job: JobName, scheduled: boolean, work: () => Promise<T>): Promise<T | undefined> => {
    if (running.has(job)) {
      deps.metrics?.job(job, 'skipped')
      if (scheduled) return undefined
      throw new DomainError('run_in_progress', `the ${job} job is running; try again when it has finished`)
    }
    running.add(job)
    try {
      const result = await work()
      deps.metrics?.job(job, 'ok')
      return result
    } catch (error) {
      deps.metrics?.job(job, 'failed')
      throw error
    } finally {
      running.delete(job)
    }
  }

  const jobs = {
    running: () => [...running],

    syncNow: (actor: string) => exclusive('sync', false, () => deps.inventory.sync(actor)),

    billingRun: (month: string | undefined, actor: string) =>
      exclusive('billing', false, () => deps.billing.run(month, actor)),

    /** The hourly billing check: last month once it is due (day 2 onwards), today's run if daily billing is on. */
    async billingTick(): Promise<{ ran: string[] }> {
      const at = now()
      const ran: string[] = []
      const current = usageMonth(at)
      const previous = previousUsageMonth(current)
      if (at.getUTCDate() >= 2 && (await deps.billing.due(previous))) {
        const report = await exclusive('billing', true, () => deps.billing.run(previous, 'scheduler'))
        if (report) ran.push(previous)
      }
      const today = at.toISOString().slice(0, 10)
      if (deps.billingDaily && lastDaily !== today) {
        const report = await exclusive('billing', true, () => deps.billing.run(current, 'scheduler'))
        if (report) {
          lastDaily = today
          ran.push(current)
        }
      }
      return { ran }
    },

    syncTick: () => exclusive('sync', true, () => deps.inventory.sync('scheduler')),

    watchdogTick: () => exclusive('push-watchdog', true, () => deps.pushService.watch()),

    /** Adds the three jobs to a toad-scheduler (the one @fastify/schedule stops on close). */
    schedule(scheduler: ToadScheduler, intervals: { pollMs: number; watchdogMs: number; billingCheckMs?: number }) {
      const task = (id: string, run: () => Promise<unknown>) =>
        new AsyncTask(
          id,
          async () => {
            await run()
          },
          (error) => deps.logger?.error({ err: error, job: id }, 'scheduled job failed')
        )
      scheduler.addSimpleIntervalJob(
        new SimpleIntervalJob({ milliseconds: intervals.pollMs, runImmediately: true }, task('sync', jobs.syncTick), {
          id: 'sync',
          preventOverrun: true
        })
      )
      scheduler.addSimpleIntervalJob(
        new SimpleIntervalJob(
          { milliseconds: intervals.billingCheckMs ?? 3_600_000, runImmediately: true },
          task('billing', jobs.billingTick),
          { id: 'billing', preventOverrun: true }
        )
      )
      scheduler.addSimpleIntervalJob(
        new SimpleIntervalJob(
          { milliseconds: intervals.watchdogMs, runImmediately: false },
          task('push-watchdog', jobs.watchdogTick),
          { id: 'push-watchdog', preventOverrun: true }
        )
      )
    }
  }
  return jobs
}

export type Jobs = ReturnType<typeof createJobs>
