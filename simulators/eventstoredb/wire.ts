/**
 * Messages to and from the client, built with the client package's own generated classes (the
 * serializers check `instanceof`, and two generated copies in one process overwrite each other).
 * Every uint64 is set as a decimal string: the generated code silently writes 0 for a number or a
 * bigint (docs/testing.md#the-eventstoredb-stand-in).
 */
import streamsPb from '@eventstore/db-client/generated/streams_pb.js'
import sharedPb from '@eventstore/db-client/generated/shared_pb.js'
import type { Expected, LogRecord } from './log.js'

const { ReadResp, AppendResp } = streamsPb
type ReadOptions = InstanceType<typeof streamsPb.ReadReq.Options>
type FilterOptions = InstanceType<typeof streamsPb.ReadReq.Options.FilterOptions>
type AppendOptions = InstanceType<typeof streamsPb.AppendReq.Options>
type UuidMessage = InstanceType<typeof sharedPb.UUID>

export type UuidFormat = 'string' | 'structured'

const utf8 = new TextDecoder()

export const streamName = (identifier: InstanceType<typeof sharedPb.StreamIdentifier> | undefined): string =>
  identifier ? utf8.decode(identifier.getStreamName_asU8()) : ''

const streamIdentifier = (name: string) => new sharedPb.StreamIdentifier().setStreamName(Buffer.from(name, 'utf8'))

/** Structured UUIDs are two *signed* int64 halves. */
const uuidMessage = (id: string, format: UuidFormat): UuidMessage => {
  const uuid = new sharedPb.UUID()
  if (format === 'string') return uuid.setString(id)
  const hex = id.replace(/-/g, '')
  const half = (h: string) => BigInt.asIntN(64, BigInt(`0x${h}`)).toString()
  return uuid.setStructured(
    new sharedPb.UUID.Structured()
      .setMostSignificantBits(half(hex.slice(0, 16)))
      .setLeastSignificantBits(half(hex.slice(16)))
  )
}

export const parseUuid = (uuid: UuidMessage | undefined): string => {
  if (!uuid) return ''
  if (uuid.getValueCase() === sharedPb.UUID.ValueCase.STRING) return uuid.getString().toLowerCase()
  const s = uuid.getStructured()!
  const half = (v: string) => BigInt.asUintN(64, BigInt(v)).toString(16).padStart(16, '0')
  const hex = half(s.getMostSignificantBits()) + half(s.getLeastSignificantBits())
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export const uuidFormat = (options: ReadOptions): UuidFormat =>
  options.getUuidOption()?.hasStructured() ? 'structured' : 'string'

/** A ReadResp carrying one event; reads of $all carry the commit position, stream reads do not. */
export const eventResp = (r: LogRecord, format: UuidFormat, withCommitPosition: boolean) => {
  const recorded = new ReadResp.ReadEvent.RecordedEvent()
    .setId(uuidMessage(r.id, format))
    .setStreamIdentifier(streamIdentifier(r.stream))
    .setStreamRevision(r.revision.toString())
    .setPreparePosition(r.position.toString())
    .setCommitPosition(r.position.toString())
    .setData(r.data)
    .setCustomMetadata(r.customMetadata)
  const metadata = recorded.getMetadataMap()
  metadata.set('type', r.type)
  metadata.set('content-type', r.contentType)
  metadata.set('created', r.created.toString())
  const event = new ReadResp.ReadEvent().setEvent(recorded)
  if (withCommitPosition) event.setCommitPosition(r.position.toString())
  else event.setNoPosition(new sharedPb.Empty())
  return new ReadResp().setEvent(event)
}

export const confirmationResp = (subscriptionId: string) =>
  new ReadResp().setConfirmation(new ReadResp.SubscriptionConfirmation().setSubscriptionId(subscriptionId))

export const checkpointResp = (position: bigint) =>
  new ReadResp().setCheckpoint(
    new ReadResp.Checkpoint().setCommitPosition(position.toString()).setPreparePosition(position.toString())
  )

export const caughtUpResp = () => new ReadResp().setCaughtUp(new ReadResp.CaughtUp())

export const streamNotFoundResp = (name: string) =>
  new ReadResp().setStreamNotFound(new ReadResp.StreamNotFound().setStreamIdentifier(streamIdentifier(name)))

export const expectedOf = (options: AppendOptions): Expected => {
  if (options.hasRevision()) return { kind: 'revision', revision: BigInt(options.getRevision()) }
  if (options.hasNoStream()) return { kind: 'no_stream' }
  if (options.hasStreamExists()) return { kind: 'stream_exists' }
  return { kind: 'any' }
}

export const appendSuccess = (revision: bigint, position: bigint) => {
  const success = new AppendResp.Success()
  if (revision < 0n) success.setNoStream(new sharedPb.Empty())
  else success.setCurrentRevision(revision.toString())
  if (position < 0n) success.setNoPosition(new sharedPb.Empty())
  else
    success.setPosition(
      new AppendResp.Position().setCommitPosition(position.toString()).setPreparePosition(position.toString())
    )
  return new AppendResp().setSuccess(success)
}

/** A conflict is a normal response for Append, not a gRPC error. */
export const appendWrongExpectedVersion = (expected: Expected, current: bigint | 'no_stream') => {
  const wrong = new AppendResp.WrongExpectedVersion()
  if (current === 'no_stream') wrong.setCurrentNoStream(new sharedPb.Empty())
  else wrong.setCurrentRevision(current.toString())
  if (expected.kind === 'revision') wrong.setExpectedRevision(expected.revision.toString())
  else if (expected.kind === 'no_stream') wrong.setExpectedNoStream(new sharedPb.Empty())
  else if (expected.kind === 'stream_exists') wrong.setExpectedStreamExists(new sharedPb.Empty())
  else wrong.setExpectedAny(new sharedPb.Empty())
  return new AppendResp().setWrongExpectedVersion(wrong)
}

export type RecordFilter = (r: LogRecord) => boolean

/** The server's filter: on the stream name or the event type, by prefixes if any, else by regex. */
export const recordFilter = (options: ReadOptions): { matches: RecordFilter; window: number } | undefined => {
  if (!options.hasFilter()) return undefined
  const filter: FilterOptions = options.getFilter()!
  const onStream = filter.hasStreamIdentifier()
  const expression = onStream ? filter.getStreamIdentifier()! : filter.getEventType()!
  const prefixes = expression.getPrefixList()
  const regex = prefixes.length === 0 ? new RegExp(expression.getRegex()) : undefined
  const value = (r: LogRecord) => (onStream ? r.stream : r.type)
  const matches: RecordFilter = regex
    ? (r) => regex.test(value(r))
    : (r) => prefixes.some((p) => value(r).startsWith(p))
  // Checkpoints come every `multiplier` search windows (32 events by default).
  const window = (filter.hasMax() ? filter.getMax() : 32) * Math.max(1, filter.getCheckpointintervalmultiplier())
  return { matches, window }
}
