import type { ServerResponse } from 'node:http'
import type { FastifyBaseLogger } from 'fastify'

/**
 * Long responses (the audit export, the live tail) written with backpressure. A write that leaves
 * more than `maxBufferBytes` waiting for the client waits for it to drain; a client that does not
 * drain within `stallMs` is disconnected, so each client holds at most about `maxBufferBytes` of
 * the relay's memory however fast facts arrive (docs/security.md, "Limits"). Every open stream is
 * cut when the server starts closing: shutdown never waits for a slow reader.
 */

export type StreamLimits = {
  /** Bytes a client may leave unread before the writer waits for it. */
  maxBufferBytes: number
  /** How long the writer waits for a client to drain before disconnecting it. */
  stallMs: number
  /** A comment line on a live stream this often, so proxies keep an idle stream open. */
  heartbeatMs: number
}

export const defaultStreamLimits: StreamLimits = { maxBufferBytes: 256 * 1024, stallMs: 10_000, heartbeatMs: 15_000 }

/** Writes a chunk; resolves false when the stream is over (client gone, stalled, or shutdown). */
export type Write = (chunk: string) => Promise<boolean>

export const createStreams = (overrides: Partial<StreamLimits> = {}) => {
  const limits = { ...defaultStreamLimits, ...overrides }
  const open = new Set<ServerResponse>()
  let closing = false

  const writer =
    (res: ServerResponse, kind: string, log: FastifyBaseLogger): Write =>
    (chunk) => {
      if (closing || res.destroyed) return Promise.resolve(false)
      res.write(chunk)
      if (res.writableLength <= limits.maxBufferBytes) return Promise.resolve(true)
      return new Promise<boolean>((resolve) => {
        const done = (ok: boolean) => {
          clearTimeout(timer)
          res.off('drain', onDrain)
          res.off('close', onClose)
          resolve(ok)
        }
        const onDrain = () => done(true)
        const onClose = () => done(false)
        const timer = setTimeout(() => {
          log.info(
            { unread: res.writableLength, stallMs: limits.stallMs },
            `audit ${kind} client fell behind; disconnected`
          )
          done(false)
          res.destroy()
        }, limits.stallMs)
        res.on('drain', onDrain)
        res.on('close', onClose)
      })
    }

  return {
    limits,
    /**
     * Runs `body` on a response already hijacked and given its head. `body` resolves true when it
     * wrote everything; the response is then ended, otherwise destroyed, so a cut export never
     * looks complete. `stop` ends what feeds the body (a subscription) when the client goes away.
     */
    async run(
      res: ServerResponse,
      kind: 'export' | 'live',
      body: (write: Write) => Promise<boolean>,
      log: FastifyBaseLogger,
      stop?: () => Promise<void>
    ): Promise<void> {
      const onClose = () => void stop?.()
      res.once('close', onClose)
      open.add(res)
      const heartbeat =
        kind === 'live'
          ? setInterval(() => {
              if (!res.destroyed && res.writableLength <= limits.maxBufferBytes) res.write(': keep-alive\n\n')
            }, limits.heartbeatMs)
          : undefined
      let complete = false
      try {
        complete = !closing && (await body(writer(res, kind, log)))
      } catch (error) {
        log.warn({ err: error }, `audit ${kind} stream ended by an error`)
      } finally {
        clearInterval(heartbeat)
        res.off('close', onClose)
        open.delete(res)
        await stop?.()
        if (complete && !res.destroyed) res.end()
        else res.destroy()
      }
    },
    /** Shutdown: every open stream is cut now (a live client resumes elsewhere with Last-Event-ID). */
    closeAll(): void {
      closing = true
      for (const res of open) res.destroy()
    }
  }
}
