import type { StoredFact, Subscription } from '../port.js'

/**
 * Wakes subscriptions when a transaction is committed (and durable), and knows the last position
 * that was: `from` is the store's head when it was opened.
 */
export const createCommitSignal = (from = 0n) => {
  let waiters: (() => void)[] = []
  let last = from
  let closed = false
  const wake = () => {
    const w = waiters
    waiters = []
    for (const f of w) f()
  }
  return {
    notify(position: bigint): void {
      if (position > last) last = position
      wake()
    },
    /** The last position committed. */
    position: (): bigint => last,
    /** Resolves after the next commit past `after` (or at once if one already happened), or on close. */
    wait(after: bigint): Promise<void> {
      if (closed || last > after) return Promise.resolve()
      return new Promise((resolve) => waiters.push(resolve))
    },
    wakeAll: wake,
    close(): void {
      closed = true
      wake()
    }
  }
}

type CommitSignal = ReturnType<typeof createCommitSignal>

const BATCH = 512

/**
 * Catch-up then live, driven by position alone: the single writer assigns positions in commit
 * order and readers only ever see committed rows, so reading "after the last delivered position"
 * until nothing is left and then waiting for the next commit can neither skip nor repeat a fact.
 */
export const sqliteSubscription = (options: {
  from: bigint
  readBatch(after: bigint, max: number): StoredFact[]
  head(): bigint
  signal: CommitSignal
  onEnd(): void
}): Subscription => {
  let cursor = options.from
  let stopped = false
  let iterating = false
  let markCaughtUp!: () => void
  const caughtUp = new Promise<void>((resolve) => (markCaughtUp = resolve))

  async function* facts(): AsyncGenerator<StoredFact> {
    try {
      while (!stopped) {
        // Head first: a commit landing between the two reads would only be read next time round.
        const head = options.head()
        const batch = options.readBatch(cursor, BATCH)
        if (batch.length > 0) {
          for (const fact of batch) {
            if (stopped) return
            cursor = fact.position
            yield fact
          }
          continue
        }
        // Nothing (matching) up to the head: skip over non-matching facts in one step.
        if (head > cursor) cursor = head
        markCaughtUp()
        await options.signal.wait(cursor)
      }
    } finally {
      stopped = true
      options.onEnd()
    }
  }

  const subscription: Subscription = {
    caughtUp,
    [Symbol.asyncIterator]() {
      if (iterating) throw new Error('a subscription can be iterated once')
      iterating = true
      return facts()
    },
    async unsubscribe() {
      if (stopped) return
      stopped = true
      options.signal.wakeAll()
      if (!iterating) options.onEnd()
    }
  }
  return subscription
}
