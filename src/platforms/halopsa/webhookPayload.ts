import { z } from 'zod'
import { haloBool, haloInt, haloObject, haloRef, haloText } from './wire.js'
import { MAX_JSON_DEPTH, exceedsDepth } from '../../domain/jsonLimits.js'

/**
 * HaloPSA's outbound webhooks (docs/platforms/halopsa-fidelity.md): the event names the relay listens for and
 * the body of a delivery as its receiver parses it. Halo lets the admin pick the payload: a small
 * object, the full object, the event alone (`{id, event, object_id, webhook_id}`) or a custom one,
 * so the ticket may sit under `ticket`, `object` or `data`, or not be there at all (then the relay
 * asks Halo for it: ticketing.ts). Casing and id types are as loose as Halo's (dotMARC HaloJson.cs).
 */

/** Event names as Halo's payloads carry them (a live "ticket status changed" capture, dotMARC). */
export const haloWebhookEventNames = {
  ticketStatusChanged: 'ticket status changed',
  /** What Halo's webhook screen calls the event an operator picks (docs/platforms/halopsa-webhook-setup.md). */
  ticketStatusChangedLabel: 'Ticket Status Changed'
} as const

const payloadTicketSchema = haloObject({
  id: haloInt.optional(),
  ticket_id: haloInt.optional(),
  summary: haloText.optional(),
  status_id: haloRef.optional(),
  client_id: haloRef.optional(),
  tickettype_id: haloRef.optional(),
  agent_id: haloRef.optional(),
  hasbeenclosed: haloBool.optional(),
  third_party_id_string: haloText.optional()
})

const payloadClientSchema = haloObject({ id: haloInt, name: haloText.optional(), inactive: haloBool.optional() })

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * The ticket object of a delivery: `ticket`, or (for a ticket event) the `object`/`data` wrapper
 * other payload types use (dotMARC HaloWebhookPayloadReader.cs looks in the same places).
 */
const ticketPart = (body: Record<string, unknown>): unknown => {
  for (const key of Object.keys(body)) if (key.toLowerCase() === 'ticket' && isObject(body[key])) return body[key]
  const event = Object.entries(body).find(([key]) => key.toLowerCase() === 'event')?.[1]
  if (typeof event !== 'string' || !/ticket/i.test(event)) return undefined
  for (const key of Object.keys(body))
    if ((key.toLowerCase() === 'object' || key.toLowerCase() === 'data') && isObject(body[key])) return body[key]
  return undefined
}

/**
 * One notification in any of the shapes. `object_id` may be absent from a custom payload whose
 * wrapper names the ticket; one of the two must say which object it is about.
 */
export const haloWebhookPayloadSchema = z
  .preprocess(
    (value) => (isObject(value) ? { ...value, __ticket: ticketPart(value) } : value),
    haloObject({
      id: haloText.optional(),
      event: z.string().min(1),
      object_id: haloInt.optional(),
      webhook_id: haloText.optional(),
      notification_id: haloRef.optional(),
      message: haloText.optional(),
      agent_id: haloRef.optional(),
      timestamp: haloText.optional(),
      __ticket: payloadTicketSchema.optional(),
      client: payloadClientSchema.optional()
    })
  )
  .transform((r, ctx) => {
    const ticket = r.__ticket
    const ticketId = ticket?.id ?? ticket?.ticket_id
    const objectId = r.object_id ?? ticketId ?? r.client?.id
    if (objectId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['object_id'], message: 'names no object (no object_id, no ticket id)' })
      return z.NEVER
    }
    return {
      deliveryId: r.id ?? null,
      event: r.event.toLowerCase(),
      objectId,
      webhookId: r.webhook_id ?? null,
      notificationId: r.notification_id ?? null,
      message: r.message ?? null,
      agentId: r.agent_id ?? null,
      timestamp: r.timestamp ?? null,
      ticket:
        ticket && ticketId !== undefined
          ? {
              id: ticketId,
              summary: ticket.summary ?? null,
              statusId: ticket.status_id ?? null,
              clientId: ticket.client_id ?? null,
              ticketTypeId: ticket.tickettype_id ?? null,
              hasBeenClosed: ticket.hasbeenclosed ?? null,
              thirdPartyIdString: ticket.third_party_id_string ?? null
            }
          : null,
      client: r.client ? { id: r.client.id, name: r.client.name ?? null, inactive: r.client.inactive ?? null } : null
    }
  })

/** Halo can batch several events into one delivery (v2.164+): accept one or many. */
export const haloWebhookDeliverySchema = z.union([
  z.array(haloWebhookPayloadSchema),
  haloWebhookPayloadSchema.transform((p) => [p])
])

/**
 * Limits on what one delivery is read for (beyond them it is kept as an invalid one and answered
 * 2xx like any unusable body): at most this many notifications, each nested at most MAX_JSON_DEPTH
 * levels. Halo batches a few notifications per delivery; a deeper one could not be stored or shown.
 */
export const HALO_MAX_NOTIFICATIONS = 1_000

/** Why one notification is beyond the limits (checked without recursion), or undefined. */
export const haloNotificationLimitProblem = (item: unknown): string | undefined =>
  exceedsDepth(item, MAX_JSON_DEPTH) ? `is nested deeper than ${MAX_JSON_DEPTH} levels` : undefined
