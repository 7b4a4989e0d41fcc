import { z } from 'zod'
import type { HaloHttp } from '../http.js'
import {
  deletedSchema,
  lookupSchema,
  policySchema,
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
  /** With initial status and default priority; null when Halo answers 404. */
  get(id: number): Promise<HaloTicketTypeDetail | null>
}
/** Each priority number once (Halo lists one Policy row per SLA), with the SLAs it appears under. */
export type HaloPriorities = { list(): Promise<HaloPriority[]> }

type NewWebhook = {
  name: string
  url: string
  /**
   * Notifications to subscribe, by name (e.g. `Ticket Status Changed`). Halo identifies an event by
   * an unpublished number (`eventno`), so a name alone may not subscribe anything: read the webhook
   * back (pushService.ts) and have an operator finish it in Halo when it does not.
   */
  events: string[]
  basicAuth?: { username: string; password: string }
  active?: boolean
}

export type HaloWebhooks = {
  create(webhook: NewWebhook): Promise<HaloWebhook>
  /** Null when Halo answers 404. */
  get(id: string): Promise<HaloWebhook | null>
  /** Every entry that parses as a webhook; runbooks and odd entries Halo lists beside them are skipped, not fatal. */
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

/** A list item that does not parse becomes null instead of failing the whole list. */
const tolerant = <S extends z.ZodType>(schema: S) =>
  z.unknown().transform((value) => {
    const parsed = schema.safeParse(value)
    return parsed.success ? (parsed.data as z.output<S>) : null
  })

/** The body of `POST /api/Webhook`: only properties of Halo's `Webhook` schema whose values are known. */
const webhookBody = (w: NewWebhook): Record<string, unknown> => ({
  name: w.name,
  url: w.url,
  content_type: 'application/json',
  active: w.active ?? true,
  ...(w.basicAuth ? { basic_username: w.basicAuth.username, basic_password: w.basicAuth.password } : {}),
  events: w.events.map((name) => ({ name }))
})

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
  priorities: {
    async list() {
      const byNumber = new Map<number, HaloPriority>()
      for (const row of await list(http, '/api/Priority', policySchema)) {
        if (row.priorityId === null) continue
        const seen = byNumber.get(row.priorityId)
        if (!seen) byNumber.set(row.priorityId, { id: row.priorityId, name: row.name, slaIds: [] })
        const priority = byNumber.get(row.priorityId)!
        if (row.slaId !== null && !priority.slaIds.includes(row.slaId)) priority.slaIds.push(row.slaId)
      }
      return [...byNumber.values()]
    }
  },
  webhooks: {
    create: (w) =>
      http.send({
        method: 'POST',
        path: '/api/Webhook',
        call: 'POST /api/Webhook',
        body: [webhookBody(w)],
        idempotent: false,
        schema: haloSingle(webhookSchema)
      }),
    get: (id) =>
      http.find({
        method: 'GET',
        path: `/api/Webhook/${encodeURIComponent(id)}`,
        call: 'GET /api/Webhook/{id}',
        idempotent: true,
        schema: webhookSchema
      }),
    list: async () =>
      (await list(http, '/api/Webhook', tolerant(webhookSchema))).filter((w): w is HaloWebhook => w !== null),
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
