import type { Decider } from '../domain/decider.js'
import { DomainError } from '../domain/errors.js'
import { asFact, type DomainFact } from '../domain/facts.js'
import { newId } from '../domain/ids.js'
import { metadataFor, type Cause } from '../domain/metadata.js'
import type { EventStore, NewFact, StoredFact } from '../store/port.js'
import { isStreamNotFound, isWrongExpectedVersion } from '../store/errors.js'

/**
 * Loads a stream, folds it with the decider, decides, and appends with the revision it read
 * (Emmett's CommandHandler; docs/architecture.md#command-handler). On a version conflict it reloads
 * and decides again, a bounded number of times; when the conflict persists it refuses with
 * `concurrency_conflict`. Within one process, commands on one stream run one at a time (so the
 * cached state is never folded twice); across processes the expected revision decides.
 */

type CommandResult<State> = {
  /** The facts appended (empty when the decider had nothing to say). */
  facts: StoredFact[]
  /** Global position of the last fact appended, for read-your-writes; null when nothing was appended. */
  position: bigint | null
  state: State
}

type CommandHandlerOptions = {
  retries?: number
  minDelayMs?: number
  factor?: number
  /** Keep folded states in memory and read only new facts next time. Default: 1,000 streams. */
  cacheSize?: number
  now?: () => Date
}

type Cached<State> = { state: State; revision: bigint | null }

export type CommandHandler<Command, State> = {
  handle(stream: string, command: Command | ((state: State) => Command), cause: Cause): Promise<CommandResult<State>>
  /** The folded state of a stream (for queries that must be exact rather than projected). */
  load(stream: string): Promise<State>
}

export const createCommandHandler = <Command, State>(
  store: EventStore,
  decider: Decider<Command, State>,
  options: CommandHandlerOptions = {}
): CommandHandler<Command, State> => {
  const retries = options.retries ?? 3
  const minDelayMs = options.minDelayMs ?? 100
  const factor = options.factor ?? 1.5
  const cacheSize = options.cacheSize ?? 1000
  const now = options.now ?? (() => new Date())
  const cache = new Map<string, Cached<State>>()
  const queues = new Map<string, Promise<unknown>>()

  const remember = (stream: string, entry: Cached<State>) => {
    cache.delete(stream)
    cache.set(stream, entry)
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value as string)
  }

  /** Folds the stream from where the cached state stopped (or from the start). */
  const refresh = async (stream: string): Promise<Cached<State>> => {
    const entry = cache.get(stream) ?? { state: decider.initialState(), revision: null }
    let facts: StoredFact[] = []
    try {
      facts = await store.readStream(stream, entry.revision === null ? {} : { fromRevision: entry.revision + 1n })
    } catch (error) {
      if (!isStreamNotFound(error)) throw error
    }
    let { state, revision } = entry
    for (const fact of facts) {
      state = decider.evolve(state, asFact(fact))
      revision = fact.revision
    }
    const next = { state, revision }
    remember(stream, next)
    return next
  }

  const toNewFacts = (facts: DomainFact[], cause: Cause): NewFact[] => {
    const metadata = metadataFor(cause, now())
    return facts.map((f) => ({ id: newId(), type: f.type, data: f.data, metadata }))
  }

  const attempt = async (
    stream: string,
    command: Command | ((state: State) => Command),
    cause: Cause
  ): Promise<CommandResult<State>> => {
    for (let attemptNo = 0; ; attemptNo++) {
      const { state, revision } = await refresh(stream)
      const decided = decider.decide(
        typeof command === 'function' ? (command as (s: State) => Command)(state) : command,
        state
      )
      if (decided.length === 0) return { facts: [], position: null, state }
      const newFacts = toNewFacts(decided, cause)
      try {
        await store.append(stream, newFacts, { expectedRevision: revision ?? 'no_stream' })
      } catch (error) {
        if (!isWrongExpectedVersion(error)) throw error
        cache.delete(stream)
        if (attemptNo >= retries) {
          throw new DomainError('concurrency_conflict', `stream ${stream} kept changing; the command was not applied`, {
            stream
          })
        }
        await sleep(minDelayMs * factor ** attemptNo * (0.5 + Math.random()))
        continue
      }
      const after = await refresh(stream)
      const appendedIds = new Set(newFacts.map((f) => f.id))
      const stored = await store.readStream(stream, { fromRevision: (revision ?? -1n) + 1n, maxCount: newFacts.length })
      const facts = stored.filter((f) => appendedIds.has(f.id))
      return { facts, position: facts.at(-1)?.position ?? null, state: after.state }
    }
  }

  return {
    handle(stream, command, cause) {
      // One command per stream at a time in this process: chain on the stream's queue.
      const previous = queues.get(stream) ?? Promise.resolve()
      const run = previous.then(
        () => attempt(stream, command, cause),
        () => attempt(stream, command, cause)
      )
      const tail = run.catch(() => undefined)
      queues.set(stream, tail)
      void tail.then(() => {
        if (queues.get(stream) === tail) queues.delete(stream)
      })
      return run
    },
    async load(stream) {
      const previous = queues.get(stream) ?? Promise.resolve()
      await previous.catch(() => undefined)
      return (await refresh(stream)).state
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
