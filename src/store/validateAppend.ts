import { isSnapshotStream, type NewFact } from './port.js'
import { InvalidAppend } from './errors.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * Checks every adapter applies before writing, so both reject the same bad input the same way.
 * EventStoreDB requires UUID event ids; `$` names are the server's own; snapshot streams hold
 * read-model snapshots, not facts.
 */
export const validateAppend = (stream: string, facts: readonly NewFact[]): readonly NewFact[] => {
  if (typeof stream !== 'string' || stream.length === 0) throw new InvalidAppend('a stream name is required')
  if (stream.startsWith('$')) throw new InvalidAppend(`stream names starting with $ are reserved (${stream})`)
  if (isSnapshotStream(stream))
    throw new InvalidAppend(`stream names starting with snapshot- or snapshotChunk- are reserved (${stream})`)
  if (facts.length === 0) throw new InvalidAppend(`an append to ${stream} needs at least one fact`)
  const seen = new Set<string>()
  for (const fact of facts) {
    if (!UUID.test(fact.id)) throw new InvalidAppend(`fact id ${JSON.stringify(fact.id)} is not a UUID`)
    if (seen.has(fact.id.toLowerCase())) throw new InvalidAppend(`fact id ${fact.id} appears twice in one append`)
    seen.add(fact.id.toLowerCase())
    if (typeof fact.type !== 'string' || fact.type.length === 0) throw new InvalidAppend('every fact needs a type')
    if (fact.data === undefined) throw new InvalidAppend(`fact ${fact.id} has no data`)
  }
  return facts
}
