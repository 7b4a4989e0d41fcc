import type { EventStore, FactFilter, StoredFact, Subscription } from '../store/port.js'
import { lastFact } from '../store/lastFact.js'
import { isStoreError } from '../store/errors.js'
import { isWrongExpectedVersion } from '../store/errors.js'
import { newId } from '../domain/ids.js'
import { streams } from '../domain/streams.js'
import { asFact, type Fact, type FactData } from '../domain/facts.js'
import { systemClock, type Clock } from '../platforms/transport/clock.js'
import type { Logger } from '../logger.js'

/**
 * A durable processor: follows the store from its own checkpoint and hands each matching fact to
 * `handle`, one at a time, in order. The checkpoint is a fact in `checkpoint-<name>` (appended with
 * the expected revision, so a second instance of the same processor is detected, as Emmett does),
 * written every `checkpointEvery` facts and when idle. After a crash the facts since the last
 * checkpoint are handed over again, so `handle` must be idempotent (the ticketing decider is).
 * A handler that throws is retried with backoff on the same fact: nothing is skipped.
 */

export type Processor = {
  start(): Promise<void>
  stop(): Promise<void>
  /** Position of the last fact handled (or skipped by the filter). */
  position(): bigint
  /** Resolves once every matching fact up to `position` has been handled. */
  waitForPosition(position: bigint, timeoutMs?: number): Promise<void>
  stats(): { handled: number; retries: number; checkpoint: bigint }
}

export const createProcessor = (options: {
  name: string
  store: EventStore
  filter: FactFilter
  handle(fact: StoredFact & Fact): Promise<void>
  logger?: Logger
  clock?: Clock
  checkpointEvery?: number
  backoff?: { minMs: number; maxMs: number }
}): Processor => {
  const clock = options.clock ?? systemClock
  const stream = streams.checkpoint(options.name)
  const every = options.checkpointEvery ?? 100
  const minMs = options.backoff?.minMs ?? 200
  const maxMs = options.backoff?.maxMs ?? 30_000
  let position = 0n
  let saved = 0n
  let revision: bigint | 'no_stream' = 'no_stream'
  let handled = 0
  let retries = 0
  let stopped = false
  let subscription: Subscription | undefined
  let loop: Promise<void> | undefined
  let waiters: { position: bigint; resolve(): void }[] = []
  const abort = new AbortController()

  const release = () => {
    waiters = waiters.filter((w) => (w.position <= position ? (w.resolve(), false) : true))
  }

  const loadCheckpoint = async () => {
    const last = await lastFact(options.store, stream)
    const checkpoint = last && asFact(last)
    if (checkpoint?.type === 'ProcessorCheckpointed') {
      position = BigInt(checkpoint.data.position)
      saved = position
      revision = checkpoint.revision
    }
  }

  const saveCheckpoint = async () => {
    if (position === saved) return
    const at = position
    try {
      const result = await options.store.append(
        stream,
        [
          {
            id: newId(),
            type: 'ProcessorCheckpointed',
            data: { processor: options.name, position: at.toString() } satisfies FactData<'ProcessorCheckpointed'>,
            metadata: {
              correlationId: options.name,
              causationId: options.name,
              actor: 'relay',
              recordedAt: new Date(clock.now()).toISOString()
            }
          }
        ],
        { expectedRevision: revision }
      )
      revision = result.nextRevision
      saved = at
    } catch (error) {
      if (isWrongExpectedVersion(error)) {
        options.logger?.error(
          { processor: options.name },
          'another instance of this processor wrote a checkpoint; reloading it'
        )
        await loadCheckpoint()
      } else if (!(isStoreError(error) && error.code === 'store_closed')) {
        throw error
      }
    }
  }

  const handleWithRetry = async (fact: StoredFact) => {
    let delay = minMs
    for (;;) {
      try {
        await options.handle(asFact(fact))
        return
      } catch (error) {
        if (stopped) throw error
        retries++
        options.logger?.warn(
          { err: error, processor: options.name, position: String(fact.position), type: fact.type, retryInMs: delay },
          'processor handler failed; retrying the same fact'
        )
        await clock.sleep(delay, abort.signal).catch(() => undefined)
        if (stopped) throw error
        delay = Math.min(maxMs, delay * 2)
      }
    }
  }

  const matches = (fact: StoredFact) =>
    (!options.filter.types || options.filter.types.includes(fact.type)) &&
    (!options.filter.streamPrefixes || options.filter.streamPrefixes.some((p) => fact.stream.startsWith(p)))

  const follow = async () => {
    let delay = minMs
    while (!stopped) {
      try {
        // Unfiltered: the position must move past facts that do not concern this processor too,
        // so that waitForPosition works for any position.
        subscription = options.store.subscribeToAll({ from: position === 0n ? 'start' : position })
        let sinceSave = 0
        for await (const fact of subscription) {
          if (fact.position <= position) continue
          if (matches(fact)) {
            await handleWithRetry(fact)
            handled++
            sinceSave++
          }
          position = fact.position
          release()
          if (sinceSave >= every) {
            sinceSave = 0
            await saveCheckpoint()
          }
        }
        if (stopped) return
        throw new Error('the subscription ended')
      } catch (error) {
        if (stopped) return
        if (isStoreError(error) && error.code === 'store_closed') return
        options.logger?.warn(
          { err: error, processor: options.name, retryInMs: delay },
          'processor subscription dropped; resubscribing'
        )
        await clock.sleep(delay, abort.signal).catch(() => undefined)
        delay = Math.min(maxMs, delay * 2)
      }
    }
  }

  // Idle checkpoints: when nothing arrives for a while, save where we are.
  let idleTimer: ReturnType<typeof setInterval> | undefined

  return {
    async start() {
      await loadCheckpoint()
      loop = follow()
      idleTimer = setInterval(() => void saveCheckpoint().catch(() => undefined), 2_000)
      idleTimer.unref?.()
    },
    async stop() {
      stopped = true
      abort.abort()
      if (idleTimer) clearInterval(idleTimer)
      await subscription?.unsubscribe()
      await loop
      await saveCheckpoint().catch(() => undefined)
    },
    position: () => position,
    waitForPosition(target, timeoutMs = 30_000) {
      if (target <= position) return Promise.resolve()
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter)
          reject(
            new Error(
              `processor ${options.name} did not reach position ${target} within ${timeoutMs} ms (at ${position})`
            )
          )
        }, timeoutMs)
        const waiter = { position: target, resolve: () => (clearTimeout(timer), resolve()) }
        waiters.push(waiter)
      })
    },
    stats: () => ({ handled, retries, checkpoint: saved })
  }
}
