/**
 * The Streams service as the stand-in answers it: Append, and Read of a stream, of $all and of $all
 * as a catch-up-then-live subscription, by the server's rules
 * (docs/testing.md#the-eventstoredb-stand-in). Delete, Tombstone and BatchAppend are left to
 * grpc-js, which answers UNIMPLEMENTED.
 */
import * as grpc from '@grpc/grpc-js'
import { randomUUID } from 'node:crypto'
import type streamsPb from '@eventstore/db-client/generated/streams_pb.js'
import type { LogRecord, Proposed, StandInLog } from './log.js'
import {
  appendSuccess,
  appendWrongExpectedVersion,
  caughtUpResp,
  checkpointResp,
  confirmationResp,
  eventResp,
  expectedOf,
  parseUuid,
  recordFilter,
  streamName,
  streamNotFoundResp,
  uuidFormat,
  type UuidFormat
} from './wire.js'

type ReadReq = streamsPb.ReadReq
type ReadResp = streamsPb.ReadResp
type ReadOptions = InstanceType<typeof streamsPb.ReadReq.Options>
type ReadCall = grpc.ServerWritableStream<ReadReq, ReadResp>
type AppendCall = grpc.ServerReadableStream<streamsPb.AppendReq, streamsPb.AppendResp>

/** A Read call in progress: writes with backpressure, and knows when it is over. */
export type OpenRead = {
  readonly subscription: boolean
  write(message: ReadResp): Promise<boolean>
  /** Ends the call with a status (the stand-in dropping it). */
  fail(code: grpc.status, details: string): void
  readonly done: boolean
}

const serverError = (
  code: grpc.status,
  details: string,
  exception?: Record<string, string>
): Partial<grpc.StatusObject> => {
  const metadata = new grpc.Metadata()
  for (const [key, value] of Object.entries(exception ?? {})) metadata.set(key, value)
  return { code, details, metadata }
}

const openRead = (call: ReadCall, subscription: boolean, registry: Set<OpenRead>, wake: () => void): OpenRead => {
  let done = false
  const finish = () => {
    if (done) return
    done = true
    registry.delete(read)
    wake()
  }
  call.on('cancelled', finish)
  call.on('close', finish)
  call.on('error', finish)
  const read: OpenRead = {
    subscription,
    get done() {
      return done
    },
    async write(message) {
      if (done) return false
      if (!call.write(message)) {
        await new Promise<void>((resolve) => {
          const events = ['drain', 'close', 'cancelled'] as const
          const done = () => {
            for (const event of events) call.off(event, done)
            resolve()
          }
          for (const event of events) call.on(event, done)
        })
      }
      return !done
    },
    fail(code, details) {
      if (done) return
      call.emit('error', serverError(code, details))
      finish()
    }
  }
  registry.add(read)
  return read
}

export type HandlerOptions = {
  maxAppendSize: number
  /** `none`: answer an idempotent repeat without a position, as older servers do. */
  repeatPosition: 'original' | 'none'
  registry: Set<OpenRead>
  /** Counts every subscription the server accepts. */
  onSubscribe(): void
}

export const createStreamsHandlers = (log: StandInLog, limits: HandlerOptions) => {
  const { registry, maxAppendSize } = limits

  const readStream = async (call: ReadCall, opts: ReadOptions, format: UuidFormat, forwards: boolean) => {
    const read = openRead(call, false, registry, () => undefined)
    const streamOptions = opts.getStream()!
    const name = streamName(streamOptions.getStreamIdentifier())
    const events = log.stream(name)
    if (!events || events.length === 0) {
      await read.write(streamNotFoundResp(name))
      return call.end()
    }
    let count = BigInt(opts.getCount() || '0')
    const last = events.length - 1
    let i = streamOptions.hasRevision()
      ? Number(BigInt(streamOptions.getRevision()))
      : streamOptions.hasEnd()
        ? forwards
          ? last + 1
          : last
        : 0
    // Backwards from past the end starts at the last event, as the server does.
    if (!forwards && i > last) i = last
    while (count > 0n && i >= 0 && i <= last && !read.done) {
      await read.write(eventResp(events[i]!, format, false))
      i += forwards ? 1 : -1
      count--
    }
    call.end()
  }

  const startPosition = (opts: ReadOptions): bigint => {
    const all = opts.getAll()!
    if (all.hasPosition()) return BigInt(all.getPosition()!.getCommitPosition())
    return all.hasEnd() ? (log.records().at(-1)?.position ?? 0n) + 1n : 0n
  }

  const readAll = async (call: ReadCall, opts: ReadOptions, format: UuidFormat, forwards: boolean) => {
    const read = openRead(call, false, registry, () => undefined)
    const filter = recordFilter(opts)
    let count = BigInt(opts.getCount() || '0')
    const from = startPosition(opts)
    // Forwards is inclusive of `from`; backwards returns what lies before it.
    let i = forwards ? log.indexAtOrAfter(from) : log.indexAtOrAfter(from) - 1
    const records = log.records()
    while (count > 0n && i >= 0 && i < records.length && !read.done) {
      const r = records[i]!
      i += forwards ? 1 : -1
      if (filter && !filter.matches(r)) continue
      await read.write(eventResp(r, format, true))
      count--
    }
    call.end()
  }

  const subscribeToAll = async (call: ReadCall, opts: ReadOptions, format: UuidFormat) => {
    let wakeUp: (() => void) | undefined
    const wake = () => {
      const w = wakeUp
      wakeUp = undefined
      w?.()
    }
    const read = openRead(call, true, registry, wake)
    limits.onSubscribe()
    const unlisten = log.onAppend(wake)
    try {
      const filter = recordFilter(opts)
      const all = opts.getAll()!
      // Exclusive: events after the position; START is everything, END only live events.
      let i = all.hasStart()
        ? 0
        : all.hasEnd()
          ? log.records().length
          : log.indexAtOrAfter(BigInt(all.getPosition()!.getCommitPosition()) + 1n)
      let scanned = 0
      let lastScanned: LogRecord | undefined
      let caughtUp = false
      if (!(await read.write(confirmationResp(randomUUID())))) return
      while (!read.done) {
        const records = log.records()
        if (i < records.length) {
          const r = records[i++]!
          lastScanned = r
          scanned++
          if (!filter || filter.matches(r)) await read.write(eventResp(r, format, true))
          else if (scanned % filter.window === 0) await read.write(checkpointResp(r.position))
          continue
        }
        if (!caughtUp) {
          caughtUp = true
          if (filter && lastScanned) await read.write(checkpointResp(lastScanned.position))
          await read.write(caughtUpResp())
          continue
        }
        await new Promise<void>((resolve) => {
          wakeUp = resolve
        })
      }
    } finally {
      unlisten()
    }
  }

  return {
    read(call: ReadCall): void {
      const opts = call.request.getOptions()
      if (!opts) {
        call.emit('error', serverError(grpc.status.INVALID_ARGUMENT, 'read options are required'))
        return
      }
      const format = uuidFormat(opts)
      const forwards = opts.getReadDirection() === 0
      if (opts.hasStream() && opts.hasSubscription()) {
        call.emit('error', serverError(grpc.status.UNIMPLEMENTED, 'the stand-in does not serve stream subscriptions'))
        return
      }
      const work = opts.hasStream()
        ? readStream(call, opts, format, forwards)
        : opts.hasSubscription()
          ? subscribeToAll(call, opts, format)
          : readAll(call, opts, format, forwards)
      work.catch((error: unknown) => call.emit('error', serverError(grpc.status.INTERNAL, String(error))))
    },

    append(call: AppendCall, callback: grpc.sendUnaryData<streamsPb.AppendResp>): void {
      let options: InstanceType<typeof streamsPb.AppendReq.Options> | undefined
      const proposed: Proposed[] = []
      let size = 0
      let failed = false
      const fail = (error: Partial<grpc.StatusObject>) => {
        failed = true
        callback(error)
      }
      call.on('data', (req: streamsPb.AppendReq) => {
        if (failed) return
        if (req.hasOptions()) return void (options = req.getOptions())
        const message = req.getProposedMessage()
        if (!options || !message) return fail(serverError(grpc.status.INVALID_ARGUMENT, 'options must come first'))
        const metadata = message.getMetadataMap()
        const type = metadata.get('type')
        const contentType = metadata.get('content-type')
        if (!type || !contentType) {
          return fail(
            serverError(grpc.status.INVALID_ARGUMENT, 'required metadata missing', {
              exception: 'missing-required-metadata-property',
              'required-metadata-properties': 'type,content-type'
            })
          )
        }
        const record: Proposed = {
          id: parseUuid(message.getId()),
          type,
          contentType,
          data: message.getData_asU8(),
          customMetadata: message.getCustomMetadata_asU8()
        }
        size += record.data.length + record.customMetadata.length + type.length
        if (size > maxAppendSize) {
          return fail(
            serverError(grpc.status.INVALID_ARGUMENT, `maximum append size of ${maxAppendSize} exceeded`, {
              exception: 'maximum-append-size-exceeded',
              'maximum-append-size': String(maxAppendSize)
            })
          )
        }
        proposed.push(record)
      })
      call.on('error', () => {
        failed = true
      })
      call.on('end', () => {
        if (failed) return
        if (!options) return fail(serverError(grpc.status.INVALID_ARGUMENT, 'append options are required'))
        const expected = expectedOf(options)
        const outcome = log.append(streamName(options.getStreamIdentifier()), expected, proposed)
        if (!outcome.ok) return callback(null, appendWrongExpectedVersion(expected, outcome.current))
        callback(
          null,
          appendSuccess(outcome.revision, outcome.repeat && limits.repeatPosition === 'none' ? -1n : outcome.position)
        )
      })
    }
  }
}
