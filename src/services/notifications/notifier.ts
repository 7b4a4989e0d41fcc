import { createHash } from 'node:crypto'
import type { EventStore, StoredFact } from '../../store/port.js'
import { isStreamNotFound } from '../../store/errors.js'
import { asFact, type Fact, type FactData, type FactType } from '../../domain/facts.js'
import { newId } from '../../domain/ids.js'
import { metadataFor, type Cause } from '../../domain/metadata.js'
import { streams } from '../../domain/streams.js'
import { integrationEventsProjection, type IntegrationEvent } from '../../../projections/integrationEvents.js'
import { systemClock, type Clock } from '../../platforms/transport/clock.js'
import type { Logger } from '../../logger.js'
import type { ProjectionRunner } from '../projectionRunner.js'
import { retryLater } from '../parkedFacts.js'
import type { Notice, NoticeEvent } from './formats.js'
import type { NotificationSettingsService, Target } from './settings.js'
import type { NotificationTransport, SendResult } from './transport.js'

/**
 * The notifications processor's handler (docs/notifications.md): for a fact that raised or closed
 * an integration event, one notification per matching target, delivered with retries and
 * exponential backoff. Every attempt is a fact in `notification-<id>` (NotificationAttempted before
 * the request, then NotificationDelivered or NotificationFailed), and `id` is derived from the fact,
 * the event, the kind and the target: the same on every attempt and after a restart. A relay that
 * dies between a request and its record sends it once more after the restart, with the same id, so
 * a receiver can drop it; a delivered notification is never sent again.
 */

type Kind = 'raised' | 'closed'

export type RetryPolicy = { minMs: number; maxMs: number; maxAttempts: number }

const idOf = (...parts: string[]): string => createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 32)

const noticeEvent = (event: IntegrationEvent): NoticeEvent => ({
  id: event.id,
  type: event.type,
  title: event.title,
  category: event.category,
  subject: event.subject,
  status: event.status,
  description: event.description
})

const wants = (target: Target, kind: Kind, event: IntegrationEvent): boolean =>
  target.on.includes(kind) || (event.type === 'platform-unreachable' && target.on.includes('platform'))

export const createNotifier = (deps: {
  store: EventStore
  runner: ProjectionRunner
  settings: NotificationSettingsService
  transport: NotificationTransport
  clock?: Clock
  logger?: Logger
  retry?: Partial<RetryPolicy>
}) => {
  const clock = deps.clock ?? systemClock
  const retry: RetryPolicy = { minMs: 1_000, maxMs: 120_000, maxAttempts: 8, ...deps.retry }
  let abort = new AbortController()
  /** Deliveries waiting out a backoff now, and the targets whose last delivery failed (for /api/status). */
  let retrying = 0
  const failing = new Map<string, { since: string; lastError: string }>()

  /** A target's state changes are logged once each way, not on every attempt. */
  const observe = (target: string, result: SendResult) => {
    if (result.ok) {
      if (failing.delete(target)) deps.logger?.info({ target }, 'notifications reach the target again')
      return
    }
    if (!failing.has(target)) deps.logger?.warn({ target, err: result.message }, 'a notification target fails')
    failing.set(target, {
      since: failing.get(target)?.since ?? new Date(clock.now()).toISOString(),
      lastError: result.message
    })
  }

  /** The integration events this fact raised or closed (the read model is at its position). */
  const eventsOf = (fact: StoredFact): { kind: Kind; event: IntegrationEvent }[] => {
    const state = deps.runner.state(integrationEventsProjection)
    const found: { kind: Kind; event: IntegrationEvent }[] = []
    const raised = state.events.get(fact.id)
    if (raised) found.push({ kind: 'raised', event: { ...raised, status: 'active' } })
    for (const event of state.events.values())
      if (event.closedBy?.factId === fact.id) found.push({ kind: 'closed', event: { ...event, status: 'closed' } })
    return found
  }

  const append = <T extends FactType>(stream: string, type: T, data: FactData<T>, cause: Cause) =>
    deps.store.append(stream, [{ id: newId(), type, data, metadata: metadataFor(cause, new Date(clock.now())) }], {
      expectedRevision: 'any'
    })

  const history = async (stream: string): Promise<Fact[]> => {
    try {
      return (await deps.store.readStream(stream)).map((f) => asFact(f))
    } catch (error) {
      if (isStreamNotFound(error)) return []
      throw error
    }
  }

  const deliver = async (target: Target, notice: Notice, eventType: string, kind: Kind, cause: Cause) => {
    const stream = streams.notification(notice.id)
    const before = await history(stream)
    if (before.some((f) => f.type === 'NotificationDelivered' || (f.type === 'NotificationFailed' && f.data.final)))
      return
    let attempt = before.filter((f) => f.type === 'NotificationAttempted').length
    let delay = retry.minMs * 2 ** attempt
    for (;;) {
      attempt++
      const base = { id: notice.id, target: target.name }
      await append(
        stream,
        'NotificationAttempted',
        { ...base, kind, eventId: notice.event.id, eventType, attempt },
        cause
      )
      const result: SendResult = await deps.transport.send(target, notice, abort.signal)
      observe(target.name, result)
      if (result.ok) {
        await append(stream, 'NotificationDelivered', { ...base, status: result.status, attempt }, cause)
        return
      }
      const final = attempt >= retry.maxAttempts || target.unreadable === true
      const wait = Math.min(retry.maxMs, delay)
      await append(
        stream,
        'NotificationFailed',
        {
          ...base,
          attempt,
          ...(result.status !== undefined ? { status: result.status } : {}),
          message: result.message,
          final,
          ...(final ? {} : { retryInMs: wait })
        },
        cause
      )
      if (final) {
        deps.logger?.warn(
          { target: target.name, id: notice.id, attempts: attempt },
          'a notification could not be delivered; gave up'
        )
        return
      }
      retrying++
      try {
        await clock.sleep(wait, abort.signal)
      } finally {
        retrying--
      }
      delay = Math.min(retry.maxMs, delay * 2)
    }
  }

  return {
    /** The facts that can raise or close an integration event. */
    types: integrationEventsProjection.bodiesFor ?? [],

    async handle(fact: StoredFact): Promise<void> {
      const { targets, since } = await deps.settings.current()
      // Nothing recorded before the targets were configured is sent (no flood of old events).
      if (since === undefined || targets.length === 0 || fact.recordedAt < since) return
      await deps.runner.waitForPosition(fact.position).catch((error: unknown) => {
        throw retryLater(error)
      })
      const cause: Cause = { actor: 'relay', correlationId: fact.metadata.correlationId, causationId: fact.id }
      const work: Promise<void>[] = []
      for (const { kind, event } of eventsOf(fact))
        for (const target of targets) {
          if (!wants(target, kind, event)) continue
          const notice: Notice = {
            id: idOf(fact.id, event.id, kind, target.name),
            kind,
            occurredAt: fact.recordedAt.toISOString(),
            event: noticeEvent(event)
          }
          work.push(deliver(target, notice, event.type, kind, cause))
        }
      const results = await Promise.allSettled(work)
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      if (failed) throw failed.reason
    },

    /** One test message to every target, now, without retries or facts: what each answered. */
    async test() {
      const { targets } = await deps.settings.current()
      const at = new Date(clock.now()).toISOString()
      const results = await Promise.all(
        targets.map(async (target) => {
          const started = clock.now()
          const notice: Notice = {
            id: `test-${newId()}`,
            kind: 'test',
            occurredAt: at,
            event: {
              id: 'test',
              type: 'test',
              title: 'Test notification from gz-halo-relay',
              category: 'connection',
              subject: {},
              status: 'active',
              description: 'If you can read this, the relay reaches this target.'
            }
          }
          const result = await deps.transport.send(target, notice, abort.signal)
          return {
            name: target.name,
            ok: result.ok,
            ...(result.status !== undefined ? { status: result.status } : {}),
            ...(!result.ok ? { error: result.message } : {}),
            durationMs: clock.now() - started
          }
        })
      )
      return { results }
    },

    /** What /api/status shows: deliveries in backoff, and the targets failing now. */
    health: () => ({
      retrying,
      failingTargets: [...failing].map(([name, f]) => ({ name, ...f }))
    }),

    /** Ends the backoffs and requests in flight (the processor stops at once). */
    stop() {
      abort.abort(new Error('the notifier is stopping'))
      // A new term (high availability) starts the processor again, with backoffs that can wait.
      abort = new AbortController()
    }
  }
}

export type Notifier = ReturnType<typeof createNotifier>
