import type { Platform } from '../domain/facts.js'
import { newId } from '../domain/ids.js'
import type { Cause } from '../domain/metadata.js'
import type { PlatformHealthCommand, PlatformHealthState } from '../domain/platformHealth.js'
import { streams } from '../domain/streams.js'
import type { Logger } from '../logger.js'
import type { CommandHandler } from './commandHandler.js'

/**
 * Whether GravityZone and HaloPSA answer, fed by every call the platform clients finish (the
 * transport's onCall). A platform is `down` after two failed calls in a row or two minutes of
 * failures, `up` as soon as a call is answered, `unknown` before either. Each transition is recorded
 * once as a fact (PlatformUnreachable, PlatformRecovered, which raise and close the
 * `platform-unreachable` integration event) and logged once; the recorded state is folded back at
 * start-up, so a restart during an outage records nothing new.
 */

export const platforms: readonly Platform[] = ['gravityzone', 'halopsa']
export const platformLabel: Record<Platform, string> = { gravityzone: 'GravityZone', halopsa: 'HaloPSA' }

/** A finished call as the transport reports it to onCall. */
export type CallReport = { call: string; outcome: string; status?: number }
export type PlatformFailure = { kind: 'network' | 'timeout' | 'server' | 'auth'; message: string }

/**
 * What a call says about its platform: it answered (any status, 4xx business refusals included),
 * it failed (no connection, no answer in time, 5xx, credentials refused), an attempt failed and is
 * being retried (it counts toward "failing for two minutes", not toward the failed calls), or
 * nothing (a 429: the platform answers, it only asks to wait).
 */
export const callVerdict = (report: CallReport): 'answered' | 'retrying' | PlatformFailure | undefined => {
  const status = report.status !== undefined ? ` (HTTP ${report.status})` : ''
  switch (report.outcome) {
    case 'retried':
      return report.status === undefined || report.status >= 500 ? 'retrying' : undefined
    case 'rate_limited':
      return undefined
    case 'network':
      return { kind: 'network', message: `${report.call}: no connection` }
    case 'timeout':
      return { kind: 'timeout', message: `${report.call}: no answer in time` }
    case 'server':
      return { kind: 'server', message: `${report.call}: server error${status}` }
    case 'http_error': {
      const refused =
        report.status === 401 ||
        report.status === 403 ||
        // HaloPSA's token endpoint answers 400 invalid_client to wrong credentials.
        (/\/auth\/token$/.test(report.call) && report.status !== 429)
      return refused ? { kind: 'auth', message: `${report.call}: credentials refused${status}` } : 'answered'
    }
    default:
      return 'answered'
  }
}

export type PlatformView = {
  state: 'up' | 'down' | 'unknown'
  lastSuccessAt: string | null
  lastFailureAt: string | null
  lastError: PlatformFailure | null
  consecutiveFailures: number
}

type Tracker = PlatformView & {
  failingSince?: Date
  downSince?: string
  /** What the store says (the last transition recorded), and whether a record is being appended. */
  recordedDown: boolean
  appending: boolean
  lastAppend: Promise<bigint | null>
  /** Who caused the last transition (a Recheck), for its record. */
  cause?: Cause
}

export const createPlatformHealth = (deps: {
  handler: CommandHandler<PlatformHealthCommand, PlatformHealthState>
  now?: () => Date
  logger?: Logger
  /** Down after this many failed calls in a row, or failures for this long (default 2 and 2 minutes). */
  downAfter?: { failures?: number; ms?: number }
}) => {
  const now = deps.now ?? (() => new Date())
  const failuresForDown = deps.downAfter?.failures ?? 2
  const msForDown = deps.downAfter?.ms ?? 120_000
  const fresh = (): Tracker => ({
    state: 'unknown',
    lastSuccessAt: null,
    lastFailureAt: null,
    lastError: null,
    consecutiveFailures: 0,
    recordedDown: false,
    appending: false,
    lastAppend: Promise.resolve(null)
  })
  const trackers: Record<Platform, Tracker> = { gravityzone: fresh(), halopsa: fresh() }
  /** The cause of transitions while a Recheck probes the platform (so the event knows the Recheck closed it). */
  const causes = new Map<Platform, Cause>()

  const commandFor = (platform: Platform, t: Tracker): PlatformHealthCommand =>
    t.state === 'down'
      ? {
          type: 'RecordUnreachable',
          data: { platform, since: t.downSince!, lastError: t.lastError! }
        }
      : {
          type: 'RecordRecovered',
          data: {
            platform,
            since: t.lastSuccessAt ?? now().toISOString(),
            ...(t.downSince !== undefined ? { downSince: t.downSince } : {}),
            ...(t.lastError ? { lastError: t.lastError } : {})
          }
        }

  /** Records the current state when the store says otherwise; one append at a time per platform. */
  const record = (platform: Platform) => {
    const t = trackers[platform]
    if (t.appending || (t.state === 'down') === t.recordedDown) return
    t.appending = true
    const command = commandFor(platform, t)
    const cause = t.cause ?? { actor: 'relay', correlationId: newId() }
    t.cause = undefined
    t.lastAppend = deps.handler.handle(streams.platformHealth(platform), command, cause).then(
      (result) => {
        t.recordedDown = result.state.down
        t.appending = false
        if (result.facts.length > 0) {
          if (command.type === 'RecordUnreachable')
            deps.logger?.warn(
              { platform, since: command.data.since, lastError: command.data.lastError },
              `${platformLabel[platform]} is unreachable: ${command.data.lastError.message}`
            )
          else deps.logger?.info({ platform, since: command.data.since }, `${platformLabel[platform]} answers again`)
        }
        record(platform)
        return result.position
      },
      (error: unknown) => {
        // Tried again with the next call's report.
        t.appending = false
        deps.logger?.error({ err: error, platform }, 'could not record a change of platform health')
        return null
      }
    )
  }

  /** The position of the last record once no append is under way (an append may chain another). */
  const recorded = async (platform: Platform): Promise<bigint | null> => {
    for (;;) {
      const last = trackers[platform].lastAppend
      const position = await last
      if (trackers[platform].lastAppend === last) return position
    }
  }

  return {
    /** Folds the recorded state of both platforms (call before the clients make calls). */
    async start() {
      for (const platform of platforms) {
        const recorded = await deps.handler.load(streams.platformHealth(platform))
        if (!recorded.down) continue
        const t = trackers[platform]
        Object.assign(t, { state: 'down', recordedDown: true, downSince: recorded.since })
        if (recorded.lastError) t.lastError = recorded.lastError as PlatformFailure
        if (recorded.since) t.failingSince = new Date(recorded.since)
        deps.logger?.warn(
          { platform, since: recorded.since },
          `${platformLabel[platform]} was unreachable when the relay last stopped; it counts as down until it answers`
        )
      }
    },

    /** One finished call to `platform` (wire to the client's onCall). */
    observe(platform: Platform, report: CallReport) {
      const verdict = callVerdict(report)
      if (!verdict) return
      const t = trackers[platform]
      const at = now()
      const before = t.state
      if (verdict === 'answered') {
        Object.assign(t, { state: 'up', lastSuccessAt: at.toISOString(), consecutiveFailures: 0 })
        t.failingSince = undefined
      } else {
        t.failingSince ??= at
        if (verdict !== 'retrying') {
          t.consecutiveFailures++
          t.lastFailureAt = at.toISOString()
          t.lastError = verdict
        } else if (t.consecutiveFailures === 0) {
          const kind = report.status === undefined ? 'network' : 'server'
          t.lastError = { kind, message: `${report.call}: failing, being retried` }
        }
        const long = at.getTime() - t.failingSince.getTime() >= msForDown
        if (t.state !== 'down' && (t.consecutiveFailures >= failuresForDown || long)) {
          t.state = 'down'
          t.downSince = t.failingSince.toISOString()
        }
      }
      const cause = causes.get(platform)
      if (cause && t.state !== before) t.cause = cause
      record(platform)
    },

    view(): Record<Platform, PlatformView> {
      const of = (t: Tracker): PlatformView => ({
        state: t.state,
        lastSuccessAt: t.lastSuccessAt,
        lastFailureAt: t.lastFailureAt,
        lastError: t.lastError,
        consecutiveFailures: t.consecutiveFailures
      })
      return { gravityzone: of(trackers.gravityzone), halopsa: of(trackers.halopsa) }
    },

    /**
     * Recheck of `platform-unreachable`: a light call (`probe`) whose outcome feeds the health like
     * any other, with `cause` on the transition it records. Returns the position of that record.
     */
    async recheck(platform: Platform, cause: Cause, probe: () => Promise<unknown>) {
      causes.set(platform, cause)
      let message: string | undefined
      try {
        await probe()
      } catch (error) {
        message = `${platformLabel[platform]} still does not answer: ${(error as Error).message}`
      } finally {
        causes.delete(platform)
      }
      const position = await recorded(platform)
      return { position, ...(message !== undefined ? { message } : {}) }
    },

    /** Resolves once every transition observed so far is recorded (tests, shutdown). */
    async flush() {
      await Promise.all(platforms.map(recorded))
    }
  }
}

export type PlatformHealth = ReturnType<typeof createPlatformHealth>
