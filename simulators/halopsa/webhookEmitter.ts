import { randomUUID } from 'node:crypto'
import { Agent, request } from 'undici'
import type { Clock } from '../../src/platforms/transport/clock.js'
import type { SimBehaviour, WebhookNotice } from './context.js'
import { simAuthenticationTypes, simPayloadTypes } from './events.js'
import { num, str, type Row, type SimData } from './state.js'

/**
 * Halo's outbound webhooks (docs/platforms/halopsa.md#webhooks): each event goes to every active
 * webhook with a notification for it (events.ts: by event number), as a full, small or event-only
 * body, with HTTP Basic when configured,
 * and every delivery is logged as a WebhookEvent row. Deliveries go out one at a time in order,
 * after the API answer, like Halo's. Tests can hold and reorder, duplicate or garble deliveries,
 * and re-send one from the log. No automatic retries by default (Halo's policy is undocumented).
 */

type Pending = { webhook: Row; body: string; eventName: string; objectId: number | null; resentFrom?: string }

export type ReleaseOptions = {
  order?: 'fifo' | 'reverse'
  /** One POST per webhook with an array of the held events (Halo batching, v2.164+). */ batch?: boolean
}

export type WebhookEmitter = {
  notify(notice: WebhookNotice): void
  /** The delivery log (WebhookEvent rows), oldest first. */
  deliveries(webhookId?: string): Row[]
  /** Sends a logged delivery again, as Halo's "re-send" does; the new attempt is logged too. */
  resend(eventId: string): Promise<Row | undefined>
  /** Keep deliveries back until `release` (for out-of-order and batched delivery). */
  hold(): void
  release(options?: ReleaseOptions): Promise<void>
  /** The next `duplicates` deliveries go out twice; the next `malformed` ones with a broken body. */
  inject(options: { duplicates?: number; malformed?: number }): void
  /** Resolves when nothing is waiting to be sent. */
  idle(): Promise<void>
  close(): Promise<void>
}

export const createWebhookEmitter = (options: {
  data: () => SimData
  behaviour: () => Pick<SimBehaviour, 'webhookPayload'>
  clock: Clock
  timeoutMs?: number
  retries?: number
  retryDelayMs?: number
}): WebhookEmitter => {
  const agent = new Agent({ keepAliveTimeout: 1_000 })
  // Closing the simulator must not wait for a receiver that never answers.
  const stop = new AbortController()
  const timeoutMs = options.timeoutMs ?? 10_000
  let queue: Pending[] = []
  let held: Pending[] | undefined
  let pumping: Promise<void> | undefined
  let duplicates = 0
  let malformed = 0

  const bodyFor = (webhook: Row, notice: WebhookNotice): Row => {
    const known = Object.values(simPayloadTypes) as number[]
    const code = num(webhook, 'payload_type')
    const type = code !== undefined && known.includes(code) ? code : simPayloadTypes[options.behaviour().webhookPayload]
    const id = randomUUID()
    if (type === simPayloadTypes['event-only'])
      return { id, event: notice.event.event, object_id: notice.objectId, webhook_id: webhook.id }
    const notification = subscription(webhook, notice)
    return {
      id,
      webhook_id: webhook.id,
      notification_id: notification?.id ?? null,
      escmsg_id: randomUUID(),
      event: notice.event.event,
      message: notice.message,
      object_id: notice.objectId,
      ...(notice.agentId !== undefined ? { agent_id: notice.agentId } : {}),
      timestamp: new Date(options.clock.now()).toISOString(),
      [notice.entity.key]: type === simPayloadTypes.small ? notice.entity.small : notice.entity.full
    }
  }

  /** The webhook's notification for this event: one whose event number is the event's. */
  const subscription = (webhook: Row, notice: WebhookNotice): Row | undefined =>
    ((webhook.events as Row[] | undefined) ?? []).find((e) => num(e, 'eventno') === notice.event.eventno)

  const subscribed = (webhook: Row, notice: WebhookNotice) =>
    webhook.active !== false && webhook.disabled !== true && subscription(webhook, notice) !== undefined

  const deliverOnce = async (item: Pending): Promise<Row> => {
    const { webhook } = item
    const headers: Record<string, string> = { 'content-type': str(webhook, 'content_type') || 'application/json' }
    if (num(webhook, 'authentication_type') === simAuthenticationTypes.basic) {
      headers.authorization = `Basic ${Buffer.from(`${str(webhook, 'basic_username') ?? ''}:${str(webhook, 'basic_password') ?? ''}`).toString('base64')}`
    }
    const body =
      malformed > 0 ? (malformed--, item.body.slice(0, Math.max(1, Math.floor(item.body.length / 2)))) : item.body
    const started = Date.now()
    const row: Row = {
      id: randomUUID(),
      webhook_id: webhook.id,
      timestamp: new Date(options.clock.now()).toISOString(),
      event: item.eventName,
      entity_id: item.objectId,
      requestbody: body,
      requestheaders: JSON.stringify({
        ...headers,
        ...(headers.authorization ? { authorization: 'Basic ********' } : {})
      }),
      ...(item.resentFrom ? { resent_from: item.resentFrom } : {})
    }
    try {
      const res = await request(String(webhook.url), {
        method: 'POST',
        headers,
        body,
        dispatcher: agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), stop.signal])
      })
      const text = await res.body.text()
      Object.assign(row, {
        status: res.statusCode < 300 ? 'Success' : 'Failed',
        responsestatus: res.statusCode,
        responsebody: text.slice(0, 2000),
        error: ''
      })
    } catch (error) {
      Object.assign(row, { status: 'Failed', responsestatus: 0, responsebody: '', error: (error as Error).message })
    }
    row.duration = Date.now() - started
    webhook.last_status = row.status
    options.data().webhookEvents.rows.set(row.id as string, row)
    return row
  }

  const deliver = async (item: Pending): Promise<Row> => {
    let row = await deliverOnce(item)
    for (let attempt = 0; row.status !== 'Success' && attempt < (options.retries ?? 0); attempt++) {
      await options.clock.sleep(options.retryDelayMs ?? 1_000)
      row = await deliverOnce(item)
    }
    return row
  }

  const pump = () => {
    pumping ??= (async () => {
      while (queue.length > 0) {
        const item = queue.shift()!
        const copies = duplicates > 0 ? (duplicates--, 2) : 1
        for (let i = 0; i < copies; i++) await deliver(item)
      }
    })().finally(() => {
      pumping = undefined
      if (queue.length > 0) pump()
    })
    return pumping
  }

  const enqueue = (items: Pending[]) => {
    if (held) held.push(...items)
    else {
      queue.push(...items)
      void pump()
    }
  }

  return {
    notify(notice) {
      const webhooks = [...options.data().webhooks.rows.values()].filter((w) => subscribed(w, notice))
      enqueue(
        webhooks.map((webhook) => ({
          webhook,
          body: JSON.stringify(bodyFor(webhook, notice)),
          eventName: notice.event.event,
          objectId: notice.objectId
        }))
      )
    },
    deliveries: (webhookId) =>
      [...options.data().webhookEvents.rows.values()].filter(
        (r) => webhookId === undefined || r.webhook_id === webhookId
      ),
    async resend(eventId) {
      const logged = options.data().webhookEvents.get(eventId)
      const webhook = logged && options.data().webhooks.get(String(logged.webhook_id))
      if (!logged || !webhook) return undefined
      return deliver({
        webhook,
        body: String(logged.requestbody),
        eventName: String(logged.event),
        objectId: num(logged, 'entity_id') ?? null,
        resentFrom: eventId
      })
    },
    hold() {
      held ??= []
    },
    async release(o = {}) {
      const items = held ?? []
      held = undefined
      if (o.order === 'reverse') items.reverse()
      if (!o.batch) enqueue(items)
      else {
        const byWebhook = new Map<unknown, Pending[]>()
        for (const item of items) byWebhook.set(item.webhook.id, [...(byWebhook.get(item.webhook.id) ?? []), item])
        enqueue(
          [...byWebhook.values()].map((group) => ({
            ...group[0]!,
            body: `[${group.map((g) => g.body).join(',')}]`,
            eventName: 'batch',
            objectId: null
          }))
        )
      }
      await pump()
    },
    inject(o) {
      duplicates += o.duplicates ?? 0
      malformed += o.malformed ?? 0
    },
    async idle() {
      while (pumping) await pumping
    },
    async close() {
      queue = []
      held = undefined
      stop.abort()
      await pumping?.catch(() => undefined)
      await agent.close()
    }
  }
}
