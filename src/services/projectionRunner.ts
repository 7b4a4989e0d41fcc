import type { EventStore, StoredFact, Subscription } from '../store/port.js'
import { isStoreError } from '../store/errors.js'
import type { Projection } from '../../projections/projection.js'
import type { Logger } from '../logger.js'
import { asFact } from '../domain/facts.js'
import { loadReadModels, type LoadedModel, type SnapshotLoad } from './snapshots/loader.js'
import { takeSnapshot, type SnapshotReport } from './snapshots/taker.js'

/**
 * Follows the store and folds every fact into in-memory read models. At start each read model is
 * loaded from its snapshot when one is usable (snapshots/loader.ts), and the runner folds the facts
 * after the oldest one loaded, each read model skipping what its own snapshot already holds. The
 * checkpoint is the position of the last fact folded; after a dropped subscription the runner
 * resubscribes from it with backoff, so no fact is folded twice or skipped.
 *
 * Snapshots are taken in the background once the read models have caught up, every `everyFacts`
 * facts and every `intervalMs` with facts folded since the last (docs/architecture.md#read-model-snapshots):
 * folding pauses only while the states are encoded, appends never wait, and a snapshot that cannot
 * be saved is logged and tried again later.
 */

export type { Projection }
export type { SnapshotReport, SnapshotLoad }

export type SnapshotSettings = {
  /** Facts folded since the last snapshot that make the next one due (0: never by count). */
  everyFacts: number
  /** Time after which a snapshot is due when anything was folded since the last (0: never by time). */
  intervalMs: number
  /** Longest stretch the encoder holds the event loop (codec.ts). */
  sliceMs?: number
  /**
   * The share of the event loop a snapshot's encoding may take (default SNAPSHOT_SHARE): the rest
   * goes to requests and appends, and the snapshot takes longer, the read models pausing meanwhile.
   */
  share?: number
}

/** Snapshots are background work: a twentieth of the event loop while they are encoded. */
export const SNAPSHOT_SHARE = 0.05

export const defaultSnapshotSettings: SnapshotSettings = { everyFacts: 50_000, intervalMs: 10 * 60_000 }

export type SnapshotStats = {
  taken: number
  failed: number
  /** How each read model started: from its snapshot, without one, or with one ignored (and why). */
  loads: SnapshotLoad[]
  last?: SnapshotReport
  /** Position of the newest snapshot every read model has: the last saved, else the oldest loaded. */
  position?: bigint
}

export type ProjectionRunner = {
  /** Loads snapshots, subscribes; resolves once the read models have caught up with the store's head. */
  start(): Promise<void>
  /** Position of the last fact folded (0n before the first). */
  position(): bigint
  /** Resolves once every fact up to `position` is folded (read-your-writes). */
  waitForPosition(position: bigint, timeoutMs?: number): Promise<void>
  /** Current state of a read model. */
  state<State>(projection: Projection<State>): State
  /**
   * Takes a snapshot now unless one is running (then waits for it); undefined when there is nothing
   * new or it failed.
   */
  snapshot(): Promise<SnapshotReport | undefined>
  /** Facts folded since start, resubscriptions after drops, snapshots (for /metrics). */
  stats(): { folded: number; resubscriptions: number; caughtUp: boolean; snapshots: SnapshotStats }
  stop(): Promise<void>
}

/**
 * The data fields no projection reads, per fact type: those every projection that reads the type's
 * body declares `unread` (SubscribeOptions.unread).
 */
export const unreadFields = (projections: readonly Projection<unknown>[]): Record<string, string[]> => {
  const unread: Record<string, string[]> = {}
  const types = new Set(projections.flatMap((p) => p.bodiesFor ?? []))
  for (const type of types) {
    const readers = projections.filter((p) => p.bodiesFor?.includes(type))
    const fields = readers.map((p) => p.unread?.[type] ?? [])
    const common = fields.reduce((a, b) => a.filter((f) => b.includes(f)))
    if (common.length > 0) unread[type] = [...common]
  }
  return unread
}

export const createProjectionRunner = (options: {
  store: EventStore
  projections: readonly Projection<unknown>[]
  logger?: Logger
  backoff?: { minMs: number; maxMs: number }
  /** Read-model snapshots (default `defaultSnapshotSettings`); `false`: fold every fact at every start. */
  snapshots?: Partial<SnapshotSettings> | false
  now?: () => Date
}): ProjectionRunner => {
  const { store, logger } = options
  const minMs = options.backoff?.minMs ?? 100
  const maxMs = options.backoff?.maxMs ?? 5_000
  const settings = options.snapshots === false ? undefined : { ...defaultSnapshotSettings, ...options.snapshots }
  const models: LoadedModel[] = options.projections.map((projection) => ({
    projection,
    state: projection.initialState(),
    after: undefined
  }))
  const byName = new Map(models.map((m) => [m.projection.name, m]))
  // Bodies are read only for the fact types some projection reads, when every projection says which.
  const bodiesFor = options.projections.every((p) => p.bodiesFor)
    ? [...new Set(options.projections.flatMap((p) => p.bodiesFor!))]
    : undefined
  const unread = unreadFields(options.projections)
  /** Where the subscription resumes (exclusive), and the position the read models are at. */
  let cursor: bigint | 'start' = 'start'
  let position = 0n
  let lastFactId: string | undefined
  let loaded = false
  let folded = 0
  let resubscriptions = 0
  let stopped = false
  let caughtUp = false
  let subscription: Subscription | undefined
  let loop: Promise<void> | undefined
  let waiters: { position: bigint; resolve(): void }[] = []
  const snapshots: SnapshotStats = { taken: 0, failed: 0, loads: [] }
  let sinceSnapshot = 0
  let taking: Promise<SnapshotReport | undefined> | undefined
  /** Set while a snapshot encodes the states: folding waits for it. */
  let held: Promise<void> | undefined
  let markStarted!: () => void
  let failStart!: (error: unknown) => void
  const started = new Promise<void>((resolve, reject) => {
    markStarted = resolve
    failStart = reject
  })

  const release = () => {
    if (waiters.length === 0) return
    const still: typeof waiters = []
    for (const w of waiters) {
      if (w.position <= position) w.resolve()
      else still.push(w)
    }
    waiters = still
  }

  const load = async () => {
    if (!settings) return
    const result = await loadReadModels(store, options.projections, logger)
    snapshots.loads = result.loads
    for (const model of result.models) Object.assign(byName.get(model.projection.name)!, model)
    // Folding resumes after the oldest snapshot; a read model without one needs every fact.
    if (models.every((m) => m.after !== undefined)) {
      position = models.reduce((min, m) => (m.after! < min ? m.after! : min), models[0]?.after ?? 0n)
      cursor = models.length > 0 ? position : 'start'
      // The snapshots' age counts from the oldest of them.
      if (models.length > 0) snapshots.position = position
    }
  }

  const fold = (stored: StoredFact) => {
    const fact = asFact(stored)
    for (const m of models) {
      if (m.after !== undefined) {
        if (fact.position <= m.after) continue
        m.after = undefined
      }
      m.state = m.projection.evolve(m.state, fact)
    }
    cursor = position = fact.position
    lastFactId = fact.id
    folded++
    sinceSnapshot++
  }

  const hold = (): (() => void) => {
    let resume!: () => void
    held = new Promise((resolve) => (resume = resolve))
    return () => {
      held = undefined
      resume()
    }
  }

  const snapshot = (): Promise<SnapshotReport | undefined> => {
    if (taking) return taking
    if (!settings || stopped || sinceSnapshot === 0 || lastFactId === undefined) return Promise.resolve(undefined)
    const counted = sinceSnapshot
    sinceSnapshot = 0
    taking = takeSnapshot({
      store,
      models,
      at: { position, factId: lastFactId },
      hold,
      pace: {
        ...(settings.sliceMs !== undefined ? { sliceMs: settings.sliceMs } : {}),
        share: settings.share ?? SNAPSHOT_SHARE
      },
      ...(options.now ? { now: options.now } : {})
    })
      .then(
        (report) => {
          snapshots.taken++
          snapshots.last = report
          snapshots.position = report.position
          logger?.info(
            {
              position: String(report.position),
              heldMs: Math.round(report.heldMs),
              totalMs: Math.round(report.totalMs),
              bytes: report.readModels.reduce((n, r) => n + r.storedBytes, 0)
            },
            'read-model snapshot saved'
          )
          return report
        },
        (error: unknown) => {
          snapshots.failed++
          // Due again at the next check: the facts it would have covered still count.
          sinceSnapshot += counted
          logger?.warn({ err: error }, 'could not save a read-model snapshot; the next one will be tried later')
          return undefined
        }
      )
      .finally(() => {
        taking = undefined
        // Facts folded while this one was saved may have made the next one due already.
        if (due()) void snapshot()
      })
    return taking
  }

  const due = () =>
    settings !== undefined && caughtUp && settings.everyFacts > 0 && sinceSnapshot >= settings.everyFacts

  const timer =
    settings && settings.intervalMs > 0
      ? setInterval(() => {
          if (caughtUp && sinceSnapshot > 0) void snapshot()
        }, settings.intervalMs).unref()
      : undefined

  /** Caught up means folded up to the head seen when subscribing. */
  const whenFolded = (head: bigint): Promise<void> =>
    waitForPosition(head, 60_000).then(
      () => {
        if (caughtUp) return
        caughtUp = true
        markStarted()
        if (due()) void snapshot()
      },
      () => (stopped ? undefined : whenFolded(head))
    )

  const follow = async () => {
    let delay = minMs
    while (!stopped) {
      try {
        if (!loaded) {
          await load()
          loaded = true
          release()
        }
        const head = await store.headPosition()
        subscription = store.subscribeToAll({ from: cursor, ...(bodiesFor ? { bodiesFor, unread } : {}) })
        const sub = subscription
        if (!caughtUp) void sub.caughtUp.then(() => whenFolded(head))
        for await (const fact of sub) {
          if (held) await held
          if (cursor !== 'start' && fact.position <= cursor) continue
          fold(fact)
          delay = minMs
          release()
          if (due()) void snapshot()
        }
        release()
        if (stopped) return
        throw new Error('the subscription ended')
      } catch (error) {
        release()
        if (stopped) return
        // A closed store, or one whose file is unusable, does not come back by resubscribing.
        if (isStoreError(error) && (error.code === 'store_closed' || error.code === 'store_unusable')) {
          // Before start, start() rejects with it; after, nothing else would tell.
          if (caughtUp) options.logger?.error({ err: error }, 'the read models stopped: the store is unusable')
          failStart(error)
          return
        }
        resubscriptions++
        logger?.warn(
          { err: error, position: String(position), retryInMs: delay },
          'projection subscription dropped; resubscribing'
        )
        await new Promise((resolve) => setTimeout(resolve, delay))
        delay = Math.min(maxMs, delay * 2)
      }
    }
  }

  const waitForPosition = (target: bigint, timeoutMs = 10_000): Promise<void> => {
    if (target <= position) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters = waiters.filter((w) => w !== waiter)
        reject(new Error(`read models did not reach position ${target} within ${timeoutMs} ms (at ${position})`))
      }, timeoutMs)
      const waiter = {
        position: target,
        resolve: () => {
          clearTimeout(timer)
          resolve()
        }
      }
      waiters.push(waiter)
    })
  }

  return {
    start() {
      if (!loop) loop = follow()
      return started
    },
    position: () => position,
    waitForPosition,
    state<State>(projection: Projection<State>): State {
      return byName.get(projection.name)?.state as State
    },
    snapshot,
    stats: () => ({ folded, resubscriptions, caughtUp, snapshots }),
    async stop() {
      stopped = true
      if (timer) clearInterval(timer)
      await subscription?.unsubscribe()
      await loop
      await taking
    }
  }
}
