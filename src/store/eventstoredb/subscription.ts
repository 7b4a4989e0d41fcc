import { START, type AllStreamSubscription, type EventStoreDBClient } from '@eventstore/db-client'
import type { FactFilter, StoredFact, Subscription } from '../port.js'
import { matchesFilter } from '../port.js'
import { StoreUnavailable, isNotAFact, isTransient, serverFilter, toStoreError, toStoredFact } from './convert.js'

export type ResubscribeOptions = {
  /** First pause after a drop, doubled at each failed attempt up to `maxMs`. */
  minMs: number
  maxMs: number
  /** Attempts in a row without the server confirming a subscription before iteration throws. */
  attempts: number
}

/**
 * A catch-up subscription to $all that survives dropped connections. The client reports a drop
 * as an error and leaves resubscribing to us ("Subscription drops and recovery", KurrentDB's
 * client documentation: github.com/kurrent-io/KurrentDB-Client-NodeJS, docs/api/subscriptions.md),
 * so this resubscribes from the last fact it delivered (exclusive), with backoff: a fact is never
 * delivered twice nor skipped, because the cursor only moves when a fact is handed over.
 *
 * `origin` is where to start: a position (exclusive) or `start`. For `end` the store resolves
 * the current last position first, so that a drop before the first live fact cannot lose facts
 * appended in between.
 */
export const esdbSubscription = (options: {
  client: EventStoreDBClient
  origin: Promise<bigint | 'start'>
  filter: FactFilter | undefined
  resubscribe: ResubscribeOptions
  onEnd(): void
}): Subscription => {
  const { client, filter, resubscribe } = options
  let stopped = false
  let iterating = false
  let current: AllStreamSubscription | undefined
  let wakeFromPause: (() => void) | undefined
  let markCaughtUp!: () => void
  const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve))
  // Resolved at once so that a failure is reported by the iteration, never left unhandled.
  const origin = options.origin.then(
    (value) => ({ value }),
    (error: unknown) => ({ error })
  )

  const release = async (sub: AllStreamSubscription | undefined) => {
    if (!sub) return
    // unsubscribe() cancels the gRPC call; destroy() ends our iteration over the client's stream,
    // which a cancelled call alone does not end.
    await sub.unsubscribe().catch(() => undefined)
    sub.destroy()
  }

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms)
      wakeFromPause = done
      function done() {
        clearTimeout(timer)
        wakeFromPause = undefined
        resolve()
      }
    })

  async function* facts(): AsyncGenerator<StoredFact> {
    try {
      const start = await origin
      if ('error' in start) throw toStoreError(start.error, {})
      let cursor = start.value
      let failures = 0
      let delay = resubscribe.minMs
      while (!stopped) {
        const sub = client.subscribeToAll({
          fromPosition: cursor === 'start' ? START : { commit: cursor, prepare: cursor },
          filter: serverFilter(filter)
        })
        current = sub
        // Errors after we let go of a subscription have no reader; they are expected then.
        sub.on('error', () => undefined)
        sub.on('confirmation', () => {
          failures = 0
          delay = resubscribe.minMs
        })
        sub.on('caughtUp', () => markCaughtUp())
        let failure: unknown
        let endedByServer = false
        try {
          for await (const resolved of sub) {
            const fact = toStoredFact(resolved)
            if (!fact || (cursor !== 'start' && fact.position <= cursor)) continue
            if (isNotAFact(fact.stream, fact.type) || !matchesFilter(filter, fact.stream, fact.type)) continue
            cursor = fact.position
            yield fact
            if (stopped) return
          }
          endedByServer = true
          failure = new StoreUnavailable('the server ended the subscription')
        } catch (error) {
          failure = error
        } finally {
          current = undefined
          await release(sub)
        }
        if (stopped) return
        failures++
        if (!(endedByServer || isTransient(failure)) || failures >= resubscribe.attempts)
          throw toStoreError(failure, {})
        await pause(delay)
        delay = Math.min(resubscribe.maxMs, delay * 2)
      }
    } finally {
      stopped = true
      options.onEnd()
    }
  }

  return {
    caughtUp,
    [Symbol.asyncIterator]() {
      if (iterating) throw new Error('a subscription can be iterated once')
      iterating = true
      return facts()
    },
    async unsubscribe() {
      if (stopped) return
      stopped = true
      wakeFromPause?.()
      const sub = current
      current = undefined
      await release(sub)
      if (!iterating) options.onEnd()
    }
  }
}
