import { createServer, connect, type Socket } from 'node:net'

/**
 * A TCP proxy on 127.0.0.1 that can cut every connection through it: how the conformance suite
 * drops the connection to a real EventStoreDB server, which the tests cannot restart, and how the
 * leadership tests cut one relay off from the store (`cut()` until `restore()`: connections are
 * dropped and new ones refused, as a network partition looks to the client).
 */
export const startTcpProxy = async (target: { host: string; port: number }) => {
  const sockets = new Set<Socket>()
  let cut = false
  const keep = (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }
  const server = createServer((client) => {
    if (cut) return void client.destroy()
    const upstream = connect(target.port, target.host)
    keep(client)
    keep(upstream)
    client.pipe(upstream).pipe(client)
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('the proxy has no port')
  return {
    port: address.port,
    dropConnections(): void {
      for (const socket of sockets) socket.destroy()
    },
    /** Drops every connection and refuses new ones until `restore()`. */
    cut(): void {
      cut = true
      for (const socket of sockets) socket.destroy()
    },
    restore(): void {
      cut = false
    },
    stop(): Promise<void> {
      for (const socket of sockets) socket.destroy()
      return new Promise((resolve) => server.close(() => resolve()))
    }
  }
}

/** The single `host:port` of an esdb:// URL, or undefined for clusters and discovery. */
export const singleHost = (url: string): { host: string; port: number } | undefined => {
  const match = /^esdb:\/\/(?:[^@/]*@)?([^,/?:]+):(\d+)(?=[/?]|$)/.exec(url)
  return match ? { host: match[1]!, port: Number(match[2]) } : undefined
}

/** The same URL pointed at another local port. */
export const through = (url: string, port: number): string =>
  url.replace(/^(esdb:\/\/(?:[^@/]*@)?)[^,/?]+/, `$1127.0.0.1:${port}`)
