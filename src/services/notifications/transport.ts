import { Agent, request } from 'undici'
import { bodyOf, signature, type Notice } from './formats.js'
import type { Target } from './settings.js'

/**
 * The notifications' own outbound transport: its own connection pool and short deadlines, apart
 * from the platforms' (a slow receiver never holds a HaloPSA or GravityZone call), no redirects.
 */

export type SendResult = { ok: true; status: number } | { ok: false; status?: number; message: string }

export type NotificationTransport = {
  send(target: Target, notice: Notice, signal?: AbortSignal): Promise<SendResult>
  close(): Promise<void>
}

export const createNotificationTransport = (
  options: { timeoutMs?: number; now?: () => number } = {}
): NotificationTransport => {
  const timeoutMs = options.timeoutMs ?? 5_000
  const now = options.now ?? Date.now
  const agent = new Agent({
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connections: 4
  })
  return {
    async send(target, notice, signal) {
      if (target.unreadable)
        return { ok: false, message: 'the target cannot be opened with NOTIFY_SECRET_KEY (changed?); enter it again' }
      const body = bodyOf(target.format, notice)
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'user-agent': 'gz-halo-relay',
        'x-relay-delivery': notice.id
      }
      if (target.secret !== undefined)
        headers['x-relay-signature'] = signature(target.secret, body, Math.floor(now() / 1000))
      const deadline = AbortSignal.timeout(timeoutMs * 2)
      try {
        const res = await request(target.url, {
          method: 'POST',
          body,
          headers,
          dispatcher: agent,
          signal: signal ? AbortSignal.any([signal, deadline]) : deadline
        })
        await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined)
        if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, status: res.statusCode }
        return { ok: false, status: res.statusCode, message: `the receiver answered HTTP ${res.statusCode}` }
      } catch (error) {
        if (signal?.aborted) throw error
        const code = (error as { code?: string }).code
        return { ok: false, message: `could not deliver: ${code ?? (error as Error).name ?? 'error'}`.slice(0, 500) }
      }
    },
    close: () => agent.close()
  }
}
