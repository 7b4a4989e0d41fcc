import { z } from 'zod'
import { haloBool, haloInt, haloObject, haloRef, haloText } from './wire.js'

/**
 * HaloPSA's outbound webhooks (docs/platforms/halopsa.md#webhooks): the event names, the payload
 * types and the body of a delivery as the relay's receiver parses it. Halo's integer codes for
 * payload and authentication types are undocumented; the values here are the order the Webhook
 * guide lists them in, and are what the simulator speaks.
 */

/** Notification events; 41 is "ticket status changed" in a captured live payload (dotMARC). */
export const haloWebhookEvents = {
  newTicket: { id: 1, name: 'new ticket logged' },
  ticketUpdated: { id: 2, name: 'ticket updated' },
  ticketDeleted: { id: 3, name: 'ticket deleted' },
  ticketStatusChanged: { id: 41, name: 'ticket status changed' },
  // Listed only by third parties, not in Halo's own docs (docs/platforms/halopsa.md#payloads); the
  // simulator sends them only when asked.
  clientUpdated: { id: 101, name: 'client updated' },
  clientDeleted: { id: 102, name: 'client deleted' }
} as const

export const webhookPayloadTypes = { small: 0, full: 1, eventOnly: 2 } as const
export type WebhookPayloadTypeName = keyof typeof webhookPayloadTypes

export const webhookAuthenticationTypes = { none: 0, basic: 1 } as const

const payloadTicketSchema = haloObject({
  id: haloInt,
  summary: haloText.optional(),
  status_id: haloRef.optional(),
  client_id: haloRef.optional(),
  tickettype_id: haloRef.optional(),
  agent_id: haloRef.optional(),
  hasbeenclosed: haloBool.optional(),
  third_party_id_string: haloText.optional()
})

const payloadClientSchema = haloObject({ id: haloInt, name: haloText.optional(), inactive: haloBool.optional() })

/**
 * One delivery in any of the three shapes: full and small carry the object, event-only carries
 * just `{id, event, object_id, webhook_id}` (the receiver must GET the ticket). Casing and id
 * types are as loose as Halo's (dotMARC HaloJson.cs).
 */
export const haloWebhookPayloadSchema = haloObject({
  id: z.string().min(1),
  event: z.string().min(1),
  object_id: haloInt,
  webhook_id: haloText.optional(),
  notification_id: haloRef.optional(),
  message: haloText.optional(),
  agent_id: haloRef.optional(),
  timestamp: haloText.optional(),
  ticket: payloadTicketSchema.optional(),
  client: payloadClientSchema.optional()
}).transform((r) => ({
  deliveryId: r.id,
  event: r.event.toLowerCase(),
  objectId: r.object_id,
  webhookId: r.webhook_id ?? null,
  notificationId: r.notification_id ?? null,
  message: r.message ?? null,
  agentId: r.agent_id ?? null,
  timestamp: r.timestamp ?? null,
  ticket: r.ticket
    ? {
        id: r.ticket.id,
        summary: r.ticket.summary ?? null,
        statusId: r.ticket.status_id ?? null,
        clientId: r.ticket.client_id ?? null,
        ticketTypeId: r.ticket.tickettype_id ?? null,
        hasBeenClosed: r.ticket.hasbeenclosed ?? null,
        thirdPartyIdString: r.ticket.third_party_id_string ?? null
      }
    : null,
  client: r.client ? { id: r.client.id, name: r.client.name ?? null, inactive: r.client.inactive ?? null } : null
}))

/** Halo can batch several events into one delivery (v2.164+): accept one or many. */
export const haloWebhookDeliverySchema = z.union([
  z.array(haloWebhookPayloadSchema),
  haloWebhookPayloadSchema.transform((p) => [p])
])
