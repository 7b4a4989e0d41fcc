/**
 * A stand-in EventStoreDB server for tests: a real gRPC server on 127.0.0.1 that serves the client
 * package's own service definitions from an in-memory log
 * (docs/testing.md#the-eventstoredb-stand-in).
 *
 *   const standIn = await startEsdbStandIn()
 *   const store = await openEventStoreDbStore({ connectionString: standIn.url })
 *   …
 *   await standIn.stop()   // forceShutdown: open subscriptions would make tryShutdown hang
 */
import * as grpc from '@grpc/grpc-js'
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb.js'
import { createStandInLog, type StandInLog, type StandInLogOptions } from './log.js'
import { createStreamsHandlers, type OpenRead } from './handlers.js'

export type { LogRecord, StandInLog } from './log.js'

export type EsdbStandIn = {
  /** `esdb://127.0.0.1:PORT?tls=false` */
  readonly url: string
  readonly port: number
  readonly log: StandInLog
  /** Subscriptions the server is serving right now. */
  subscriptions(): number
  /** Subscriptions the server has accepted since it started (resubscriptions included). */
  subscriptionsServed(): number
  /**
   * Cuts every connection, as a node restart would: open reads and subscriptions end with
   * UNAVAILABLE, the server is force-shut and listens again on the same port, log intact.
   */
  dropConnections(): Promise<void>
  /** Back to a fresh node (system events only); open reads are dropped. */
  reset(): void
  stop(): Promise<void>
}

export type EsdbStandInOptions = StandInLogOptions & {
  /** Port to listen on (default 0: any free port). */
  port?: number
  /** The real server's default MaxAppendSize (1 MiB). */
  maxAppendSize?: number
  /** How an idempotent repeat is answered: with the original position (default) or none. */
  repeatPosition?: 'original' | 'none'
}

const bind = (server: grpc.Server, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound)
    )
  })

/** The port was just released by our own forceShutdown; binding it again may need a moment. */
const rebind = async (server: grpc.Server, port: number): Promise<void> => {
  for (let attempt = 0; ; attempt++) {
    try {
      await bind(server, port)
      return
    } catch (error) {
      if (attempt >= 50) throw error
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }
}

export const startEsdbStandIn = async (options: EsdbStandInOptions = {}): Promise<EsdbStandIn> => {
  const log = createStandInLog(options)
  const registry = new Set<OpenRead>()
  let served = 0
  const handlers = createStreamsHandlers(log, {
    maxAppendSize: options.maxAppendSize ?? 1_048_576,
    repeatPosition: options.repeatPosition ?? 'original',
    registry,
    onSubscribe: () => void served++
  })
  const createServer = () => {
    const server = new grpc.Server()
    // ServerFeatures is not registered: the client then assumes an old server and uses Append,
    // never BatchAppend (docs/testing.md#the-eventstoredb-stand-in).
    server.addService(StreamsService, handlers as unknown as grpc.UntypedServiceImplementation)
    return server
  }
  let server = createServer()
  const port = await bind(server, options.port ?? 0)
  let stopped = false

  const dropReads = (details: string) => {
    for (const read of [...registry]) read.fail(grpc.status.UNAVAILABLE, details)
  }

  return {
    url: `esdb://127.0.0.1:${port}?tls=false`,
    port,
    log,
    subscriptions: () => [...registry].filter((r) => r.subscription && !r.done).length,
    subscriptionsServed: () => served,
    async dropConnections() {
      if (stopped) return
      dropReads('stand-in: connection dropped')
      server.forceShutdown()
      server = createServer()
      await rebind(server, port)
    },
    reset() {
      dropReads('stand-in: reset')
      log.reset()
    },
    async stop() {
      if (stopped) return
      stopped = true
      dropReads('stand-in: stopped')
      server.forceShutdown()
    }
  }
}
