import { hostname } from 'node:os'
import { randomBytes } from 'node:crypto'
import type { EventStore } from '../store/port.js'
import { lastFact } from '../store/lastFact.js'
import { isStoreError, isWrongExpectedVersion } from '../store/errors.js'
import { newId } from '../domain/ids.js'
import { streams } from '../domain/streams.js'
import { asFact, type FactData, type FactType } from '../domain/facts.js'
import type { Logger } from '../logger.js'
import { NotLeader } from './leaderFence.js'

/**
 * Who does the work that must happen once (docs/deployment.md#several-instances): the scheduler,
 * the ticketing processor and the webhook registration run on one instance, the leader, while
 * every instance takes webhooks and API calls. Leadership is a lease held in the store: the stream
 * `leadership-main`, whose appends with an expected revision grant it (LeaseAcquired, with a new
 * term) and renew it (LeaseRenewed). Two contenders appending at the same revision cannot both win.
 *
 * Time is never compared across machines. The leader times its lease from when it SENT its last
 * successful renewal, on its own monotonic clock, and stops its work one renewal interval before
 * the TTL runs out. A follower times the lease from when it SAW the last change of the stream, on
 * its own monotonic clock, and takes over only when no change has been seen for a whole TTL, by
 * appending at the revision it saw. A renewal is seen after it was sent, so the follower's
 * deadline is never before the leader's: the old leader has stopped at least one interval before
 * anyone else can hold the lease. (Monotonic clocks may drift apart by parts per million; the
 * interval of margin covers that many times over.)
 *
 * An embedded (SQLite) store serves one relay, which always leads with term 1 (`soleLeadership`).
 */

export type Role = 'leader' | 'follower'
export type LeadershipView = { id: string; role: Role; term: number; since: string }

/** What the leader runs: started with each term it wins, stopped when the term ends. */
export type LeaderWork = {
  /** Called when this instance becomes leader of `term`. */
  lead(term: number): Promise<void> | void
  /** Called when its term ends; must stop the work at once (its appends are refused from now on). */
  follow(term: number, reason: string): Promise<void> | void
}

export type Leadership = {
  readonly instanceId: string
  view(): LeadershipView
  /** Throws NotLeader unless this instance holds the lease for `term` now (leaderFence.ts). */
  verify(term: number): Promise<void>
  start(work: LeaderWork): Promise<void>
  /** Stops the leader work, then gives the lease up so that another instance takes over at once. */
  stop(): Promise<void>
}

/** INSTANCE_ID, or the host name with a random suffix: stable for the process, unique across restarts. */
export const instanceIdOf = (configured: string | undefined): string =>
  configured ?? `${hostname().slice(0, 48)}-${randomBytes(3).toString('hex')}`

/** The embedded store's relay: the only instance, so the leader of term 1 from its start. */
export const soleLeadership = (instanceId: string, now: () => Date = () => new Date()): Leadership => {
  let since = now().toISOString()
  let work: LeaderWork | undefined
  return {
    instanceId,
    view: () => ({ id: instanceId, role: 'leader', term: 1, since }),
    verify: async () => undefined,
    async start(leaderWork) {
      work = leaderWork
      since = now().toISOString()
      await work.lead(1)
    },
    async stop() {
      await work?.follow(1, 'the relay is shutting down')
    }
  }
}

type LeaseFact = FactData<'LeaseAcquired'> | FactData<'LeaseRenewed'> | FactData<'LeaseReleased'>

export const storeLeadership = (options: {
  store: EventStore
  instanceId: string
  renewMs: number
  ttlMs: number
  logger?: Logger
  now?: () => Date
  /** Monotonic milliseconds (performance.now by default). */
  monotonic?: () => number
}): Leadership => {
  const { store, instanceId, renewMs, ttlMs, logger } = options
  const now = options.now ?? (() => new Date())
  const monotonic = options.monotonic ?? (() => performance.now())
  const stream = streams.leadership()

  let role: Role = 'follower'
  let since = now().toISOString()
  /** The lease as last read or written: the revision, when that was seen, and what it said. */
  let revision: bigint | 'no_stream' | undefined
  let seenAt = monotonic()
  let lease: (LeaseFact & { type: FactType }) | undefined
  /** The term this process leads, or led last (a lease still showing it may be taken back at once). */
  let ownTerm = 0
  /** Leader: the local deadline of its work (its last renewal's sending time + TTL − one renewal). */
  let workUntil = 0
  let deadline: NodeJS.Timeout | undefined
  let work: LeaderWork | undefined
  let stopped = false
  let loop: Promise<void> | undefined
  let wake: (() => void) | undefined
  let failing = false

  const view = (): LeadershipView => ({
    id: instanceId,
    role,
    term: role === 'leader' ? ownTerm : (lease?.term ?? 0),
    since
  })

  const read = async () => {
    const last = await lastFact(store, stream)
    const at = last ? last.revision : 'no_stream'
    if (at === revision) return
    revision = at
    seenAt = monotonic()
    lease = last ? ({ type: last.type, ...(asFact(last).data as LeaseFact) } as typeof lease) : undefined
  }

  const append = async <T extends 'LeaseAcquired' | 'LeaseRenewed' | 'LeaseReleased'>(
    type: T,
    data: FactData<T>,
    expected: bigint | 'no_stream'
  ) => {
    const result = await store.append(
      stream,
      [
        {
          id: newId(),
          type,
          data,
          metadata: {
            correlationId: `lease-${data.term}`,
            causationId: instanceId,
            actor: 'relay',
            recordedAt: now().toISOString()
          }
        }
      ],
      { expectedRevision: expected }
    )
    revision = result.nextRevision
    lease = { type, ...data }
    return result
  }

  const expiresAt = () => new Date(now().getTime() + ttlMs).toISOString()

  /** The leader's work stops at this local deadline unless a renewal sent later succeeds first. */
  const arm = (sentAt: number) => {
    workUntil = sentAt + ttlMs - renewMs
    clearTimeout(deadline)
    deadline = setTimeout(
      () => void stepDown('the lease could not be renewed in time'),
      Math.max(0, workUntil - monotonic())
    )
    deadline.unref()
  }

  /**
   * Ends this instance's term: from the first (synchronous) line on, verify() refuses the term and
   * work.follow() stops the work. Not awaited where leader work may be waiting on it (verify, the
   * deadline); a later term's work starts only once this one has stopped (`transitions`).
   */
  let transitions: Promise<void> = Promise.resolve()
  const stepDown = (reason: string): Promise<void> => {
    if (role !== 'leader') return transitions
    role = 'follower'
    since = now().toISOString()
    clearTimeout(deadline)
    const term = ownTerm
    logger?.warn({ instance: instanceId, term, reason }, 'this instance stopped leading')
    const stopping = Promise.resolve(work?.follow(term, reason)).catch((error: unknown) =>
      logger?.error({ err: error, instance: instanceId, term }, 'the leader work did not stop cleanly')
    )
    transitions = transitions.then(() => stopping)
    return transitions
  }

  const acquire = async () => {
    const term = (lease?.term ?? 0) + 1
    const previous = lease?.instanceId
    const sentAt = monotonic()
    try {
      await append(
        'LeaseAcquired',
        { instanceId, term, expiresAt: expiresAt(), ...(previous ? { previousInstanceId: previous } : {}) },
        revision ?? 'no_stream'
      )
    } catch (error) {
      // Someone else appended first (took the lease, or renewed it): read what they wrote.
      if (isWrongExpectedVersion(error)) return read()
      throw error
    }
    seenAt = sentAt
    ownTerm = term
    role = 'leader'
    since = now().toISOString()
    arm(sentAt)
    logger?.info({ instance: instanceId, term, previous }, 'this instance leads now')
    await transitions
    if (role === 'leader' && ownTerm === term) await work?.lead(term)
  }

  const renew = async () => {
    const sentAt = monotonic()
    const term = ownTerm
    try {
      await append('LeaseRenewed', { instanceId, term, expiresAt: expiresAt() }, revision as bigint)
    } catch (error) {
      if (!isWrongExpectedVersion(error)) throw error
      void stepDown('another instance holds the lease')
      return read()
    }
    if (role === 'leader' && ownTerm === term) arm(sentAt)
  }

  /** Free now: nobody ever held it, it was given up, or the last holder is this very process. */
  const free = () =>
    !lease || lease.type === 'LeaseReleased' || (lease.instanceId === instanceId && lease.term === ownTerm)

  const step = async () => {
    if (role === 'leader') return renew()
    await read()
    if (free() || monotonic() - seenAt >= ttlMs) await acquire()
  }

  const run = async () => {
    while (!stopped) {
      try {
        await step()
        if (failing) logger?.info({ instance: instanceId }, 'the lease stream answers again')
        failing = false
      } catch (error) {
        if (stopped || (isStoreError(error) && error.code === 'store_closed')) return
        // Logged once per outage; the leader's deadline stops its work if this lasts.
        if (!failing) logger?.warn({ err: error, instance: instanceId, role }, 'could not read or renew the lease')
        failing = true
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, renewMs)
        wake = done
        function done() {
          clearTimeout(timer)
          wake = undefined
          resolve()
        }
      })
    }
  }

  return {
    instanceId,
    view,
    async verify(term) {
      if (role !== 'leader' || ownTerm !== term)
        throw new NotLeader(`this instance no longer leads (term ${term} has ended)`)
      if (monotonic() >= workUntil) {
        void stepDown('the lease could not be renewed in time')
        throw new NotLeader(`the lease of term ${term} has run out here`)
      }
      const last = await lastFact(store, stream)
      const data = last && (asFact(last).data as LeaseFact)
      if (!data || data.instanceId !== instanceId || data.term !== term || last.type === 'LeaseReleased') {
        void stepDown('another instance holds the lease')
        throw new NotLeader(`the lease is no longer held by this instance for term ${term}`)
      }
    },
    async start(leaderWork) {
      work = leaderWork
      // The first step runs before start resolves, so a free lease is taken before the relay listens.
      try {
        await step()
      } catch (error) {
        if (isStoreError(error) && error.code === 'store_closed') throw error
        failing = true
        logger?.warn({ err: error, instance: instanceId }, 'could not read or renew the lease')
      }
      loop = (async () => {
        await new Promise((resolve) => setTimeout(resolve, renewMs))
        await run()
      })()
    },
    async stop() {
      const term = ownTerm
      // The work stops while the lease is still renewed, so that its last checkpoint passes the fence.
      if (role === 'leader')
        await Promise.resolve(work?.follow(term, 'the relay is shutting down')).catch((error: unknown) =>
          logger?.error({ err: error, instance: instanceId, term }, 'the leader work did not stop cleanly')
        )
      stopped = true
      wake?.()
      await loop
      await transitions
      if (role !== 'leader' || ownTerm !== term) return
      role = 'follower'
      since = now().toISOString()
      clearTimeout(deadline)
      // Given up once the work has stopped: the next leader may start at once.
      if (revision !== undefined && revision !== 'no_stream')
        await append('LeaseReleased', { instanceId, term }, revision).then(
          () => logger?.info({ instance: instanceId, term }, 'this instance gave the lease up'),
          (error: unknown) =>
            logger?.warn({ err: error, instance: instanceId }, 'could not give the lease up; it runs out on its own')
        )
    }
  }
}
