import type { EventStore, StoredFact, Subscription } from '../store/port.js'
import { isStoreError } from '../store/errors.js'
import type { Projection } from '../../projections/projection.js'
import type { Logger } from '../logger.js'
import { asFact } from '../domain/facts.js'

/**
 * Follows the store and folds every fact into in-memory read models. The checkpoint is the position
 * of the last fact folded; after a dropped subscription the runner resubscribes from it with
 * backoff, so no fact is folded twice or skipped. Read models are rebuilt from the start at every
 * boot, which takes seconds even for a million facts (docs/benchmarks.md#latest-figures).
 */

export type { Projection }

export type ProjectionRunner = {
  /** Subscribes; resolves once the read models have caught up with the store's head. */
  start(): Promise<void>
  /** Position of the last fact folded (0n before the first). */
  position(): bigint
  /** Resolves once every fact up to `position` is folded (read-your-writes). */
  waitForPosition(position: bigint, timeoutMs?: number): Promise<void>
  /** Current state of a read model. */
  state<State>(projection: Projection<State>): State
  /** Facts folded since start, and resubscriptions after drops (for /metrics). */
  stats(): { folded: number; resubscriptions: number; caughtUp: boolean }
  stop(): Promise<void>
}

export const createProjectionRunner = (options: {
  store: EventStore
  projections: readonly Projection<unknown>[]
  logger?: Logger
  backoff?: { minMs: number; maxMs: number }
}): ProjectionRunner => {
  const { store } = options
  const minMs = options.backoff?.minMs ?? 100
  const maxMs = options.backoff?.maxMs ?? 5_000
  const states = new Map<string, unknown>(options.projections.map((p) => [p.name, p.initialState()]))
  // Bodies are read only for the fact types some projection reads, when every projection says which.
  const bodiesFor = options.projections.every((p) => p.bodiesFor)
    ? [...new Set(options.projections.flatMap((p) => p.bodiesFor!))]
    : undefined
  let position = 0n
  let folded = 0
  let resubscriptions = 0
  let stopped = false
  let caughtUp = false
  let subscription: Subscription | undefined
  let loop: Promise<void> | undefined
  let waiters: { position: bigint; resolve(): void }[] = []
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

  const fold = (stored: StoredFact) => {
    const fact = asFact(stored)
    for (const p of options.projections) states.set(p.name, p.evolve(states.get(p.name), fact))
    position = fact.position
    folded++
  }

  const follow = async () => {
    let delay = minMs
    while (!stopped) {
      try {
        const head = await store.headPosition()
        subscription = store.subscribeToAll({
          from: folded === 0 ? 'start' : position,
          ...(bodiesFor ? { bodiesFor } : {})
        })
        const sub = subscription
        if (!caughtUp) {
          void sub.caughtUp.then(() => {
            // Caught up means folded up to the head seen when subscribing.
            void waitForPosition(head).then(() => {
              caughtUp = true
              markStarted()
            })
          })
        }
        for await (const fact of sub) {
          if (folded > 0 && fact.position <= position) continue
          fold(fact)
          delay = minMs
          release()
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
        options.logger?.warn(
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
      return states.get(projection.name) as State
    },
    stats: () => ({ folded, resubscriptions, caughtUp }),
    async stop() {
      stopped = true
      await subscription?.unsubscribe()
      await loop
    }
  }
}
