import { DomainError } from '../domain/errors.js'
import { newId } from '../domain/ids.js'
import { inBudget } from '../platforms/halopsa/budget.js'
import { isPlatformError } from '../platforms/transport/errors.js'
import { cancellableBy } from '../platforms/transport/cancellation.js'
import type { Logger } from '../logger.js'
import type { Metrics } from './metrics.js'

/**
 * Job runs: each run of a job has an id, a status and, once finished, its result. A job never
 * overlaps itself. A run's HaloPSA calls are background work (platforms/halopsa/budget.ts): a
 * request waiting for a run hears when the run has to wait for the rate budget, so it can answer
 * at once instead of holding the connection, and a scheduled run that would wait longer than its
 * interval is skipped. The last runs are kept in memory (runs that change something are also facts:
 * SyncRunCompleted, BillingRunCompleted).
 */

export type JobName = 'sync' | 'billing' | 'push-watchdog'
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'skipped'

export type JobRun = {
  runId: string
  job: JobName
  status: RunStatus
  startedAt: string
  finishedAt?: string
  result?: Record<string, unknown>
  /** Why a run failed with no result (the error's message), or was skipped. */
  error?: string
  reason?: string
  /** What a finished run could not do (a platform that did not answer). */
  errors?: string[]
}

type Run = JobRun & {
  controller: AbortController
  done: Promise<void>
  /** When its current wait for HaloPSA's budget should end (0: not waiting). */
  waitingUntil: number
  listeners: Set<() => void>
  thrown?: unknown
}

/** What a job's work gives back: its result, and what it could not do (a non-empty list fails the run). */
export type Outcome = { result: Record<string, unknown>; errors: string[] }

const skipped = (reason: string) => Object.assign(new Error(reason), { skippedRun: true as const })
const isSkip = (error: unknown): error is Error & { skippedRun: true } =>
  error instanceof Error && (error as { skippedRun?: boolean }).skippedRun === true

export const createJobRuns = (deps: { now: () => Date; metrics?: Metrics; logger?: Logger; keep?: number }) => {
  const keep = deps.keep ?? 100
  const runs = new Map<string, Run>()
  const current = new Map<JobName, Run>()
  const last = new Map<JobName, JobRun>()
  const clock = () => deps.now().getTime()

  const view = (run: Run): JobRun => {
    const { controller: _c, done: _d, waitingUntil: _w, listeners: _l, thrown: _t, ...rest } = run
    return { ...rest }
  }

  const remember = (run: Run) => {
    runs.set(run.runId, run)
    for (const [id, old] of runs) {
      if (runs.size <= keep) break
      if (old.status !== 'running') runs.delete(id)
    }
  }

  const finish = (run: Run, status: Exclude<RunStatus, 'running'>, fields: Partial<JobRun> = {}) => {
    Object.assign(run, { status, finishedAt: deps.now().toISOString(), ...fields })
    current.delete(run.job)
    last.set(run.job, view(run))
    deps.metrics?.job(run.job, status === 'succeeded' ? 'ok' : status)
    for (const listener of run.listeners) listener()
  }

  return {
    /** A run that is not started: the job is skipped before it begins (recorded like any run). */
    skip(job: JobName, reason: string): JobRun {
      const run = { runId: newId(), job, status: 'running', startedAt: deps.now().toISOString() } as Run
      run.listeners = new Set()
      remember(run)
      finish(run, 'skipped', { reason })
      return view(run)
    },

    /**
     * Starts `work` as a run of `job`. A scheduled run (`skipAfterMs` set) is skipped when one of
     * its calls would wait longer than that for HaloPSA's budget; a run of a job already running is
     * refused (`job_running`), or, scheduled, not started at all (undefined).
     */
    start(
      job: JobName,
      work: (runId: string) => Promise<Outcome>,
      options: { scheduled?: boolean; skipAfterMs?: number } = {}
    ): Run | undefined {
      const running = current.get(job)
      if (running) {
        deps.metrics?.job(job, 'skipped')
        if (options.scheduled) return undefined
        throw new DomainError('job_running', `the ${job} job is running; try again when it has finished`, {
          runId: running.runId
        })
      }
      const controller = new AbortController()
      const run = {
        runId: newId(),
        job,
        status: 'running',
        startedAt: deps.now().toISOString(),
        controller,
        waitingUntil: 0,
        listeners: new Set()
      } as unknown as Run
      const onWait = (until: number) => {
        run.waitingUntil = until
        for (const listener of run.listeners) listener()
        if (options.skipAfterMs !== undefined && until - clock() > options.skipAfterMs)
          controller.abort(
            skipped(`HaloPSA's rate budget is spent for the next ${Math.ceil((until - clock()) / 1000)} s`)
          )
      }
      current.set(job, run)
      remember(run)
      // Stopping the run abandons its outbound calls too: waits for a budget, backoffs and answers.
      const working = () => cancellableBy(controller.signal, () => work(run.runId))
      run.done = inBudget({ budget: 'background', signal: controller.signal, onWait }, working).then(
        ({ result, errors }) =>
          finish(run, errors.length > 0 ? 'failed' : 'succeeded', { result, ...(errors.length ? { errors } : {}) }),
        (error: unknown) => {
          if (isSkip(error)) return finish(run, 'skipped', { reason: error.message })
          run.thrown = error
          // Platform failures are logged once per outage by the platform health; anything else is a fault.
          if (!isPlatformError(error)) deps.logger?.error({ err: error, job, runId: run.runId }, 'job run failed')
          finish(run, 'failed', { error: (error as Error).message })
        }
      )
      return run
    },

    /**
     * The run once it has finished, or once `waitMs` has passed, or as soon as it waits on HaloPSA's
     * budget beyond that: whichever comes first (the run goes on). Without `waitMs`, once finished.
     */
    async settle(run: Run, waitMs?: number): Promise<JobRun & { thrown?: unknown }> {
      if (waitMs === undefined) await run.done
      else {
        const deadline = clock() + waitMs
        if (run.status === 'running' && waitMs > 0 && run.waitingUntil <= deadline) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(done, waitMs)
            function done() {
              clearTimeout(timer)
              run.listeners.delete(check)
              resolve()
            }
            function check() {
              if (run.status !== 'running' || run.waitingUntil > deadline) done()
            }
            run.listeners.add(check)
          })
        }
      }
      return { ...view(run), ...(run.thrown !== undefined && run.status !== 'running' ? { thrown: run.thrown } : {}) }
    },

    get: (runId: string): JobRun | undefined => {
      const run = runs.get(runId)
      return run ? view(run) : undefined
    },
    running: (): JobName[] => [...current.keys()],
    isRunning: (job: JobName) => current.has(job),
    lastRun: (job: JobName): JobRun | undefined => last.get(job),

    /** Stops every run at its next wait for the budget, and gives them `graceMs` to end (shutdown). */
    async close(graceMs = 5_000, reason = 'the relay is shutting down') {
      const active = [...current.values()]
      for (const run of active) run.controller.abort(skipped(reason))
      let timer: ReturnType<typeof setTimeout> | undefined
      await Promise.race([
        Promise.all(active.map((run) => run.done)),
        new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))
      ])
      clearTimeout(timer)
    }
  }
}

export type JobRuns = ReturnType<typeof createJobRuns>
export type RunHandle = NonNullable<ReturnType<JobRuns['start']>>
