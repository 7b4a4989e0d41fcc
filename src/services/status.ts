import type { EventStore } from '../store/port.js'
import type { HaloWebhookState } from './haloWebhook.js'
import type { JobsStatus } from './jobs.js'
import type { PlatformHealth, PlatformView } from './platformHealth.js'
import type { LeadershipView } from './leadership.js'

/**
 * GET /api/status: what an operator needs to know the relay is doing its job — whether each
 * platform answers, each job's last run, how far the ticketing processor is behind, and how much
 * of HaloPSA's rate budget is in use.
 */

export type RelayStatus = {
  platforms: { gravityzone: PlatformView; halopsa: PlatformView }
  jobs: JobsStatus
  processor: {
    /** Store head minus the ticketing processor's position, in positions (every fact counts one). */
    lagFacts: number
    /** Security events whose ticket creation is being retried after transient HaloPSA failures. */
    pending: number
    /** Facts the processor set aside after failing on them the same way (GET /api/processor/parked). */
    parked: number
  }
  /** Whether the platforms can reach the relay: what each registration left to do by hand. */
  webhooks: {
    halopsa: HaloWebhookState
    gravityzone: { droppedEventTypes: string[] }
  }
  budget: { halopsa: { used: number; limit: number; windowSeconds: number; reservedForTickets: number } }
  /** The notifications processor (docs/notifications.md), when the relay runs one. */
  notifications?: {
    lagFacts: number
    parked: number
    retrying: number
    failingTargets: { name: string; since: string; lastError: string }[]
  }
  /** This instance, and whether it runs the leader's work (services/leadership.ts). */
  instance?: LeadershipView
}

export type StatusSource = { status(): Promise<RelayStatus> }

/** EventStoreDB's positions are byte offsets: a lag counted in them can exceed a safe integer. */
const lagOf = (head: bigint, position: bigint): number =>
  Math.min(Number(head > position ? head - position : 0n), Number.MAX_SAFE_INTEGER)

export const createStatus = (deps: {
  store: Pick<EventStore, 'headPosition'>
  health: Pick<PlatformHealth, 'view'>
  jobs: { status(): JobsStatus }
  processor: { position(): bigint; parked(): readonly unknown[] }
  webhooks: { haloWebhookState(): HaloWebhookState; droppedEventTypes(): readonly string[] }
  ticketing: { pending(): number }
  halopsaBudget: { usage(): { used: number; limit: number; windowMs: number; reservedForTickets: number } }
  notifications?: {
    processor: { position(): bigint; parked(): readonly unknown[] }
    notifier: { health(): { retrying: number; failingTargets: { name: string; since: string; lastError: string }[] } }
  }
  instance?: () => LeadershipView
}): StatusSource => ({
  async status() {
    const head = await deps.store.headPosition()
    const position = deps.processor.position()
    const usage = deps.halopsaBudget.usage()
    const instance = deps.instance?.()
    const lag = lagOf(head, position)
    return {
      platforms: deps.health.view(),
      jobs: deps.jobs.status(),
      // A follower runs no processor: the leader's status tells how far behind it is.
      processor:
        instance?.role === 'follower'
          ? { lagFacts: 0, pending: 0, parked: 0 }
          : { lagFacts: lag, pending: deps.ticketing.pending(), parked: deps.processor.parked().length },
      webhooks: {
        halopsa: deps.webhooks.haloWebhookState(),
        gravityzone: { droppedEventTypes: [...deps.webhooks.droppedEventTypes()] }
      },
      budget: {
        halopsa: {
          used: usage.used,
          limit: usage.limit,
          windowSeconds: usage.windowMs / 1000,
          reservedForTickets: usage.reservedForTickets
        }
      },
      ...(deps.notifications
        ? {
            notifications: {
              lagFacts: lagOf(head, deps.notifications.processor.position()),
              parked: deps.notifications.processor.parked().length,
              ...deps.notifications.notifier.health()
            }
          }
        : {}),
      ...(instance ? { instance } : {})
    }
  }
})
