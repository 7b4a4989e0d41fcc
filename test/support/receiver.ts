import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A webhook receiver on loopback for the notification tests: it keeps every request (headers,
 * body, arrival time) and answers as `respond` says (200 by default; `hang` leaves the request
 * open, as a receiver that accepts connections and never answers does).
 */

export type Received = { headers: IncomingMessage['headers']; body: string; at: number; path: string }
type Answer = number | 'hang'

export const startReceiver = async (respond: (request: Received, index: number) => Answer = () => 200) => {
  const received: Received[] = []
  const open = new Set<ServerResponse>()
  let onRequest: ((r: Received) => void) | undefined
  const server = createServer((req, res) => {
    let body = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => (body += chunk))
    req.on('end', () => {
      const request = { headers: req.headers, body, at: Date.now(), path: req.url ?? '/' }
      received.push(request)
      onRequest?.(request)
      const answer = respond(request, received.length - 1)
      if (answer === 'hang') return void open.add(res)
      res.writeHead(answer, { 'content-type': 'text/plain' }).end('ok')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    /** Resolves once `count` requests have arrived. */
    waitFor(count: number, timeoutMs = 10_000): Promise<void> {
      if (received.length >= count) return Promise.resolve()
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`the receiver got ${received.length} of ${count} requests in ${timeoutMs} ms`)),
          timeoutMs
        )
        onRequest = () => {
          if (received.length < count) return
          clearTimeout(timer)
          resolve()
        }
      })
    },
    async close() {
      for (const res of open) res.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>
