import { randomUUID } from 'node:crypto'
import type { Test } from 'tap'
import type { Decider } from '../../src/domain/decider.js'
import type { DomainFact, Fact, FactData, FactOf, FactType } from '../../src/domain/facts.js'
import { parseFactData } from '../../src/domain/facts.js'
import type { StoredFact } from '../../src/store/port.js'
import type { Projection } from '../../projections/projection.js'

/**
 * Given/when/then for projections: facts are built as the store would return them (positions in
 * order, ids, metadata), validated against the catalogue, then folded.
 */
export const factStream = (options: { start?: Date } = {}) => {
  let position = 0n
  let clock = options.start?.getTime() ?? Date.parse('2026-11-02T09:00:00Z')
  const revisions = new Map<string, bigint>()
  return <T extends FactType>(
    type: T,
    data: FactData<T>,
    opts: { stream?: string; actor?: string; causationId?: string; id?: string } = {}
  ): StoredFact & FactOf<T> => {
    const stream = opts.stream ?? 'test-1'
    const revision = (revisions.get(stream) ?? -1n) + 1n
    revisions.set(stream, revision)
    position += 1n
    clock += 1000
    const id = opts.id ?? randomUUID()
    return {
      position,
      stream,
      revision,
      id,
      type,
      data: parseFactData(type, data),
      metadata: {
        correlationId: 'c',
        causationId: opts.causationId ?? 'c',
        actor: opts.actor ?? 'scheduler',
        recordedAt: new Date(clock).toISOString()
      },
      recordedAt: new Date(clock)
    }
  }
}

export const foldAll = <S>(
  projection: Projection<S>,
  facts: (StoredFact & Fact)[],
  state: S = projection.initialState()
): S => facts.reduce((s, f) => projection.evolve(s, f), state)

/** A decider's state after these facts, folded as the command handler folds a stream. */
export const foldDecider = <C, S>(decider: Decider<C, S>, facts: readonly DomainFact[]): S => {
  const at = new Date('2026-11-02T09:00:00Z')
  return facts.reduce(
    (state, f) => decider.evolve(state, { ...f, id: randomUUID(), recordedAt: at }),
    decider.initialState()
  )
}

/** A refusal the decider is expected to give: its DomainError code. */
export type Refusal = { code: string }

/**
 * Given/when/then for deciders, in the shape of Emmett's DeciderSpecification: given these facts
 * in the stream, when this command is decided, then these facts are appended (`[]`: nothing) or
 * the command is refused with this code.
 *
 *   ticket.given([created]).when(recordNote).then(t, [noteAdded])
 */
export const deciderSpec = <C, S>(decider: Decider<C, S>) => ({
  given: (facts: readonly DomainFact[]) => ({
    when: (command: C) => {
      const decide = () => decider.decide(command, foldDecider(decider, facts))
      return {
        then(t: Test, expected: DomainFact[] | Refusal, message = 'then') {
          if (Array.isArray(expected)) return t.same(decide(), expected, message)
          return t.throws(decide, expected, message)
        }
      }
    }
  })
})
