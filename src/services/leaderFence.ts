import { AsyncLocalStorage } from 'node:async_hooks'
import { StoreError } from '../store/errors.js'
import type { EventStore, NewFact } from '../store/port.js'
import { cancellableBy } from '../platforms/transport/cancellation.js'

/**
 * Fencing by term (docs/deployment.md#several-instances): the leader's work runs in a scope that
 * knows the term it was started under, and every append made in that scope, however deep in the
 * services it is made, goes through `fencedStore`, which checks first that this instance still
 * holds the lease for that term (a fresh read of the lease stream) and stamps the term in the
 * facts' metadata (`leaderTerm`). Work started under a term that has ended cannot append its
 * results: the check refuses with `not_leader`. The scope carries an AbortSignal too, so that the
 * outbound calls of that work are abandoned as soon as the term ends.
 *
 * Appends made outside the scope (webhooks, API requests: any instance takes them) pass as they are.
 */

export type LeaderTerm = { term: number; signal: AbortSignal }

const scopes = new AsyncLocalStorage<LeaderTerm>()

/** Runs `work` as leader work of `term`: its appends are fenced, its outbound calls end with the term. */
export const asLeaderWork = <T>(term: LeaderTerm, work: () => Promise<T>): Promise<T> =>
  scopes.run(term, () => cancellableBy(term.signal, work))

export const currentLeaderTerm = (): LeaderTerm | undefined => scopes.getStore()

/** Leader work tried to append after its term ended (or while another instance holds the lease). */
export class NotLeader extends StoreError {
  constructor(message: string) {
    super('not_leader', message)
  }
}

/**
 * The store as leader work must use it. `verify(term)` throws NotLeader unless this instance still
 * holds the lease for `term`; it is called before each append made in a leader-work scope.
 */
export const fencedStore = (store: EventStore, verify: (term: number) => Promise<void>): EventStore => ({
  ...store,
  kind: store.kind,
  async append(stream, facts, options) {
    const scope = scopes.getStore()
    if (!scope) return store.append(stream, facts, options)
    await verify(scope.term)
    const stamped = facts.map((fact): NewFact => ({ ...fact, metadata: { ...fact.metadata, leaderTerm: scope.term } }))
    return store.append(stream, stamped, options)
  },
  readStream: (s, o) => store.readStream(s, o),
  readAll: (o) => store.readAll(o),
  findFacts: (q) => store.findFacts(q),
  subscribeToAll: (o) => store.subscribeToAll(o),
  headPosition: () => store.headPosition(),
  ping: () => store.ping(),
  close: () => store.close()
})
