import type { EventStore, FactFilter, NewFact, StoredFact, Subscription } from '../store/port.js'
import { lastFact } from '../store/lastFact.js'
import { isStoreError, isStreamNotFound, isWrongExpectedVersion } from '../store/errors.js'
import { DomainError } from '../domain/errors.js'
import { newId } from '../domain/ids.js'
import { metadataFor, type Cause } from '../domain/metadata.js'
import { streams } from '../domain/streams.js'
import { asFact, type Fact, type FactData, type FactType } from '../domain/facts.js'
import { systemClock, type Clock } from '../platforms/transport/clock.js'
import type { Logger } from '../logger.js'
import { describeError, isDeterministic, isWorthWaiting, parkedFactsState, type ParkedFact } from './parkedFacts.js'

/**
 * A durable processor: follows the store from its own checkpoint and hands each matching fact to
 * `handle`, one at a time, in order. The checkpoint is a fact in `checkpoint-<name>` (appended with
 * the expected revision, so a second instance of the same processor is detected, as Emmett does),
 * written every `checkpointEvery` facts, and when idle if it has moved past anything but
 * checkpoints since (an idle relay appends nothing). After a crash the facts since the last
 * checkpoint are handed over again, so `handle` must be idempotent (the ticketing decider is).
 *
 * A handler that throws is retried with backoff on the same fact. Failures worth waiting out
 * (transient upstream errors, the store unavailable: parkedFacts.ts) are retried for as long as
 * they last. Any other failure parks the fact once it comes back the same (a deterministic error)
 * or after `maxAttempts` attempts: a `FactParked` fact records it and the processor moves on, so
 * one bad fact never stops it for good. An operator retries a parked fact (`retryParked`, which
 * records `ParkedFactRetried`); the processor hands it over again when it reaches that record.
 */

export type Processor = {
  readonly name: string
  start(): Promise<void>
  stop(): Promise<void>
  /** Position of the last fact handled (or skipped by the filter). */
  position(): bigint
  /** Resolves once every matching fact up to `position` has been handled. */
  waitForPosition(position: bigint, timeoutMs?: number): Promise<void>
  stats(): { handled: number; retries: number; checkpoint: bigint; parked: number }
  /** Facts parked and not retried since, oldest first. */
  parked(): ParkedFact[]
  /**
   * Sends a parked fact back to the handler: records `ParkedFactRetried` (its actor is the
   * operator's) and resolves with that record's position; the processor hands the fact over when
   * it gets there. Refuses with `parked_fact_not_found` or `fact_not_parked`.
   */
  retryParked(factId: string, cause: Cause): Promise<{ factId: string; position: bigint }>
}

export const createProcessor = (options: {
  name: string
  store: EventStore
  filter: FactFilter
  handle(fact: StoredFact & Fact): Promise<void>
  logger?: Logger
  clock?: Clock
  checkpointEvery?: number
  /** How long the processor waits, idle, before it checkpoints (default 2 s). */
  idleCheckpointMs?: number
  backoff?: { minMs: number; maxMs: number }
  /** Attempts on one fact before it is parked, for failures neither deterministic nor worth waiting out. */
  maxAttempts?: number
  /** Called each time a fact is parked (for the metrics). */
  onParked?(parked: ParkedFact): void
}): Processor => {
  const clock = options.clock ?? systemClock
  const stream = streams.checkpoint(options.name)
  const parkedStream = streams.parkedFacts(options.name)
  const every = options.checkpointEvery ?? 100
  const idleMs = options.idleCheckpointMs ?? 2_000
  const minMs = options.backoff?.minMs ?? 200
  const maxMs = options.backoff?.maxMs ?? 30_000
  const maxAttempts = options.maxAttempts ?? 5
  const parkedFacts = parkedFactsState(options.name)
  let position = 0n
  let saved = 0n
  /** Moved past a fact other than a checkpoint since the last checkpoint was saved. */
  let moved = false
  let revision: bigint | 'no_stream' = 'no_stream'
  let handled = 0
  let retries = 0
  let stopped = false
  let subscription: Subscription | undefined
  let loop: Promise<void> | undefined
  let waiters: { position: bigint; resolve(): void }[] = []
  let abort = new AbortController()

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

  const loadParked = async () => {
    try {
      for (const fact of await options.store.readStream(parkedStream)) parkedFacts.apply(fact)
    } catch (error) {
      if (!isStreamNotFound(error)) throw error
    }
  }

  const saveCheckpoint = async () => {
    // Its own checkpoints move the position too: saving because of them would append forever.
    if (!moved || position === saved) return
    moved = false
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
      moved = true
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

  // One save at a time (the loop's and the idle one's): two at once would both expect the same
  // revision, and the loser would take itself for a second instance.
  let saving: Promise<void> = Promise.resolve()
  const checkpoint = (): Promise<void> => {
    const run = saving.then(saveCheckpoint)
    saving = run.catch(() => undefined)
    return run
  }

  const record = (type: FactType, data: unknown, cause: Cause) =>
    options.store.append(
      parkedStream,
      [{ id: newId(), type, data, metadata: metadataFor(cause, new Date(clock.now())) } satisfies NewFact],
      { expectedRevision: 'any' }
    )

  const park = async (fact: StoredFact, error: unknown, attempts: number) => {
    const data: FactData<'FactParked'> = {
      processor: options.name,
      position: fact.position.toString(),
      factId: fact.id,
      factType: fact.type,
      error: describeError(error),
      attempts
    }
    const { position: recordedAt } = await record('FactParked', data, {
      actor: 'relay',
      correlationId: fact.metadata.correlationId,
      causationId: fact.id
    })
    options.logger?.error(
      { err: error, processor: options.name, position: String(fact.position), type: fact.type, attempts },
      'processor handler keeps failing on this fact; parked it and moved on'
    )
    parkedFacts.apply({ position: recordedAt, type: 'FactParked', data, recordedAt: new Date(clock.now()) })
    options.onParked?.(parkedFacts.get(fact.id)!)
  }

  const handleWithRetry = async (fact: StoredFact) => {
    let delay = minMs
    let last: string | undefined
    for (let attempts = 1; ; attempts++) {
      try {
        await options.handle(asFact(fact))
        return
      } catch (error) {
        if (stopped) throw error
        retries++
        const described = describeError(error)
        const again = described === last
        last = described
        if (!isWorthWaiting(error) && (attempts >= maxAttempts || (again && isDeterministic(error))))
          return park(fact, error, attempts)
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

  const isOwnRetry = (fact: StoredFact) => fact.type === 'ParkedFactRetried' && fact.stream === parkedStream

  /** An operator's retry: the parked fact, read back by its position, goes to the handler again. */
  const handleRetried = async (retry: StoredFact & { data: FactData<'ParkedFactRetried'> }) => {
    const at = BigInt(retry.data.position)
    const [fact] = await options.store.readAll({ fromPosition: at, maxCount: 1 })
    if (fact?.position !== at || fact.id !== retry.data.factId) {
      options.logger?.warn({ processor: options.name, factId: retry.data.factId }, 'a retried fact is not in the store')
      return
    }
    await handleWithRetry(fact)
    handled++
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
          // A fact known to be parked is not tried again until an operator retries it.
          const parked = parkedFacts.get(fact.id)
          if (matches(fact) && !(parked && !parked.retried && parked.position === fact.position.toString())) {
            await handleWithRetry(fact)
            handled++
            sinceSave++
          } else if (isOwnRetry(fact)) {
            await handleRetried(fact as StoredFact & { data: FactData<'ParkedFactRetried'> })
            sinceSave++
          }
          if (fact.stream === parkedStream) parkedFacts.apply(fact)
          if (fact.type !== 'ProcessorCheckpointed') moved = true
          position = fact.position
          release()
          if (sinceSave >= every) {
            sinceSave = 0
            await checkpoint()
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

  // Idle checkpoints, on the processor's clock: when nothing arrives for a while, save where we are.
  const idleCheckpoints = async (signal: AbortSignal) => {
    while (!signal.aborted) {
      await clock.sleep(idleMs, signal).catch(() => undefined)
      if (!signal.aborted) await checkpoint().catch(() => undefined)
    }
  }

  return {
    name: options.name,
    // Started again after a stop when this instance leads again (leadership.ts): from the checkpoint
    // in the store, which another instance may have moved meanwhile.
    async start() {
      stopped = false
      abort = new AbortController()
      await loadCheckpoint()
      await loadParked()
      loop = follow()
      // Not awaited at stop: it ends at its next wake-up, and its save, if one is running, is awaited.
      void idleCheckpoints(abort.signal)
    },
    async stop() {
      stopped = true
      abort.abort()
      await subscription?.unsubscribe()
      await loop
      await checkpoint().catch(() => undefined)
    },
    parked: () => parkedFacts.list(),
    async retryParked(factId, cause) {
      const parked = parkedFacts.get(factId)
      if (!parked)
        throw new DomainError('parked_fact_not_found', `the ${options.name} processor parked no fact ${factId}`)
      if (parked.retried) throw new DomainError('fact_not_parked', `fact ${factId} was retried already`)
      // Marked before the append, so a second request meanwhile is refused rather than recorded twice.
      parked.retried = true
      const data: FactData<'ParkedFactRetried'> = {
        processor: options.name,
        position: parked.position,
        factId,
        factType: parked.factType
      }
      try {
        const result = await record('ParkedFactRetried', data, cause)
        parked.version = result.position
        return { factId, position: result.position }
      } catch (error) {
        parked.retried = false
        throw error
      }
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
    stats: () => ({ handled, retries, checkpoint: saved, parked: parkedFacts.list().length })
  }
}
