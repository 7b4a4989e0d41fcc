import {
  ErrorType,
  eventTypeFilter,
  excludeSystemEvents,
  streamNameFilter,
  type Filter,
  type ResolvedEvent
} from '@eventstore/db-client'
import {
  isSnapshotStream,
  type ExpectedRevision,
  type FactFilter,
  type FactMetadata,
  type StoredFact
} from '../port.js'
import { InvalidAppend, StoreError, StreamNotFound, WrongExpectedVersion } from '../errors.js'

/**
 * Translations between the client's shapes and the port's. Positions and revisions are turned
 * into bigint here with BigInt(), whatever the client hands over: its 1.x successor once
 * delivered numbers at runtime where its types promised bigint. Our single position is the commit
 * position: for events written by gRPC appends the server reports commit == prepare, one per event.
 */

/** The server could not be reached or dropped the call; worth retrying later. */
export class StoreUnavailable extends StoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store_unavailable', `EventStoreDB is unavailable: ${message}`, options)
  }
}

/** `$` streams ($$…, $stats-…, $users…) and `$` types ($metadata, `$>` links…) are the server's own. */
export const isSystemEvent = (stream: string, type: string): boolean => stream.startsWith('$') || type.startsWith('$')

/** What is not a fact: the server's own events, and the read-model snapshots the relay keeps beside the facts. */
export const isNotAFact = (stream: string, type: string): boolean =>
  isSystemEvent(stream, type) || isSnapshotStream(stream)

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) && !Array.isArray(value)

/** The port's fact for a resolved event, or undefined when there is no event to speak of. */
export const toStoredFact = (resolved: ResolvedEvent): StoredFact | undefined => {
  const event = resolved.event
  if (!event || !event.position) return undefined
  return {
    position: BigInt(event.position.commit),
    stream: event.streamId,
    revision: BigInt(event.revision),
    id: event.id,
    type: event.type,
    data: event.data,
    // Facts keep their metadata as the event's custom metadata JSON.
    metadata: (isPlainObject(event.metadata) ? event.metadata : {}) as FactMetadata,
    recordedAt: event.created
  }
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * The server-side part of a filter: the client's $all filter matches either stream names or
 * event types, so the rest of a FactFilter (and the exclusion of system streams) is applied
 * again on our side (`keep`).
 */
export const serverFilter = (filter: FactFilter | undefined): Filter => {
  if (filter?.streamPrefixes && filter.streamPrefixes.length > 0)
    return streamNameFilter({ prefixes: [...filter.streamPrefixes] })
  if (filter?.types && filter.types.length > 0)
    return eventTypeFilter({ regex: `^(?:${filter.types.map(escapeRegex).join('|')})$` })
  return excludeSystemEvents()
}

type ClientError = Error & {
  type?: string
  code?: number
  actualVersion?: bigint | 'no_stream'
  maxAppendSize?: number
  details?: string
}

const asClientError = (error: unknown): ClientError | undefined =>
  error instanceof Error ? (error as ClientError) : undefined

// gRPC status codes that mean "try again later" (https://grpc.github.io/grpc/core/md_doc_statuscodes.html);
// the client does not retry a failed call for us.
const TRANSIENT_CODES = new Set([1, 4, 8, 10, 13, 14])
const TRANSIENT_TYPES = new Set<string>([
  ErrorType.UNAVAILABLE,
  ErrorType.CANCELLED,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.NOT_LEADER,
  ErrorType.TIMEOUT,
  ErrorType.UNKNOWN
])

export const isTransient = (error: unknown): boolean => {
  const e = asClientError(error)
  if (!e) return false
  if (e.type !== undefined) return TRANSIENT_TYPES.has(e.type)
  return typeof e.code === 'number' && TRANSIENT_CODES.has(e.code)
}

/** The port's error for a client error; anything unrecognised is returned as it is. */
export const toStoreError = (error: unknown, context: { stream?: string; expected?: ExpectedRevision }): unknown => {
  const e = asClientError(error)
  if (!e) return error
  if (e.type === ErrorType.WRONG_EXPECTED_VERSION && context.stream !== undefined) {
    const actual =
      e.actualVersion === undefined || e.actualVersion === 'no_stream' ? 'no_stream' : BigInt(e.actualVersion)
    return new WrongExpectedVersion(context.stream, context.expected ?? 'any', actual)
  }
  if (e.type === ErrorType.STREAM_NOT_FOUND && context.stream !== undefined) return new StreamNotFound(context.stream)
  if (e.type === ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED) {
    return new InvalidAppend(
      `the append to ${context.stream ?? 'a stream'} is larger than the server's maximum append size (${e.maxAppendSize ?? '?'} bytes)`
    )
  }
  if (isTransient(e)) return new StoreUnavailable(e.message, { cause: e })
  return error
}
