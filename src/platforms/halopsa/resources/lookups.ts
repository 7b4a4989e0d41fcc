import type { z } from 'zod'
import type { HaloHttp } from '../http.js'
import {
  deletedSchema,
  lookupSchema,
  statusSchema,
  ticketTypeDetailSchema,
  webhookSchema,
  type HaloPriority,
  type HaloStatus,
  type HaloTicketType,
  type HaloTicketTypeDetail,
  type HaloWebhook
} from '../schemas.js'
import { haloList, haloSingle } from '../wire.js'
import {
  haloWebhookEvents,
  webhookAuthenticationTypes,
  webhookPayloadTypes,
  type WebhookPayloadTypeName
} from '../webhookPayload.js'
import { query } from './pages.js'

/**
 * Lookups answered as bare arrays (`/api/Status`, `/api/TicketType`, `/api/Priority`;
 * docs/platforms/halopsa.md#statuses-ticket-types-and-priorities) and webhook configuration
 * (`/api/Webhook`, GUID ids; docs/platforms/halopsa.md#registration). The relay caches lookups
 * itself; these calls always ask Halo.
 */

export type HaloStatuses = { list(options?: { excludeClosed?: boolean }): Promise<HaloStatus[]> }
export type HaloTicketTypes = {
  list(): Promise<HaloTicketType[]>
  /** With mandatory fields and initial status; null when Halo answers 404. */
  get(id: number): Promise<HaloTicketTypeDetail | null>
}
export type HaloPriorities = { list(): Promise<HaloPriority[]> }

type NewWebhook = {
  name: string
  url: string
  /** Event names, e.g. `ticket status changed` (see haloWebhookEvents). */
  events: string[]
  payloadType?: WebhookPayloadTypeName
  basicAuth?: { username: string; password: string }
  active?: boolean
}

export type HaloWebhooks = {
  create(webhook: NewWebhook): Promise<HaloWebhook>
  list(): Promise<HaloWebhook[]>
  /** True when deleted, false when it was already gone. */
  delete(id: string): Promise<boolean>
}

const list = <S extends z.ZodType>(
  http: HaloHttp,
  path: string,
  schema: S,
  params: Record<string, string | number | boolean | undefined> = {}
) =>
  http
    .send({
      method: 'GET',
      path: path + query(params),
      call: `GET ${path}`,
      idempotent: true,
      schema: haloList(schema)
    })
    .then((l) => l.records)

const eventRef = (name: string) => {
  const known = Object.values(haloWebhookEvents).find((e) => e.name === name.toLowerCase())
  return known ? { notification_id: known.id, event: known.name } : { event: name }
}

export const createLookupsApi = (
  http: HaloHttp
): { statuses: HaloStatuses; ticketTypes: HaloTicketTypes; priorities: HaloPriorities; webhooks: HaloWebhooks } => ({
  statuses: {
    list: (o = {}) => list(http, '/api/Status', statusSchema, { excludeclosed: o.excludeClosed || undefined })
  },
  ticketTypes: {
    list: () => list(http, '/api/TicketType', lookupSchema),
    get: (id) =>
      http.find({
        method: 'GET',
        path: `/api/TicketType/${id}?includedetails=true`,
        call: 'GET /api/TicketType/{id}',
        idempotent: true,
        schema: ticketTypeDetailSchema
      })
  },
  priorities: { list: () => list(http, '/api/Priority', lookupSchema) },
  webhooks: {
    create: (w) =>
      http.send({
        method: 'POST',
        path: '/api/Webhook',
        call: 'POST /api/Webhook',
        body: [
          {
            name: w.name,
            url: w.url,
            method: 'POST',
            content_type: 'application/json',
            payload_type: webhookPayloadTypes[w.payloadType ?? 'full'],
            authentication_type: w.basicAuth ? webhookAuthenticationTypes.basic : webhookAuthenticationTypes.none,
            ...(w.basicAuth ? { basic_username: w.basicAuth.username, basic_password: w.basicAuth.password } : {}),
            events: w.events.map(eventRef),
            active: w.active ?? true
          }
        ],
        idempotent: false,
        schema: haloSingle(webhookSchema)
      }),
    list: () => list(http, '/api/Webhook', webhookSchema),
    async delete(id) {
      const deleted = await http.find({
        method: 'DELETE',
        path: `/api/Webhook/${encodeURIComponent(id)}`,
        call: 'DELETE /api/Webhook/{id}',
        idempotent: true,
        schema: deletedSchema
      })
      return deleted !== null
    }
  }
})
