import type { Clock } from '../../src/platforms/transport/clock.js'
import type { SeedName } from './seed.js'
import type { SimEvent, SimPayloadType } from './events.js'
import type { Row, SimData } from './state.js'

/** What every part of the simulator shares: the data, the clock, the behaviour switches. */

export type SimBehaviour = {
  clientId: string
  clientSecret: string
  /**
   * Set = a Halo-hosted instance: the token URL must carry `?tenant=<tenant>`
   * (docs/platforms/halopsa.md#authentication).
   */
  tenant?: string
  /** Scopes the API application was granted (default `all`). */
  grantedScopes: string[]
  /** `expires_in` of issued tokens, seconds (≈3600 on real Halo). */
  tokenLifetimeS: number
  seed: SeedName
  /** Answer to an update of an id that does not exist: 404 or 400 (not documented; both are plausible). */
  unknownIdStatus: 404 | 400
  /** `page_size` > 100 on /Tickets: clamp it or refuse it. */
  ticketPageSize: 'clamp' | 'reject'
  /** DELETE /Client/{id}: remove it (404 afterwards) or refuse while it has tickets or invoices. */
  clientDelete: 'remove' | 'refuse-when-linked'
  /** Send client updated/deleted webhook events (not in Halo's own docs; docs/platforms/halopsa.md#payloads). */
  clientEvents: boolean
  /** Also send "new ticket logged" and "ticket updated" events, not only status changes. */
  ticketEvents: boolean
  /** What a webhook whose payload type the simulator does not know sends (Halo's default is unpublished). */
  webhookPayload: SimPayloadType
}

/**
 * How ids and keys are written in answers (`3`, `3.0`, `"3"`; casing;
 * docs/platforms/halopsa.md#errors-and-wire-quirks).
 */
export type Quirks = { ids: 'number' | 'string' | 'float'; keys: 'as-is' | 'capitalised' }

export type WebhookNotice = {
  event: SimEvent
  objectId: number
  message: string
  agentId?: number
  /** `ticket` or `client`, with the full row and the small subset. */
  entity: { key: 'ticket' | 'client'; full: Row; small: Row }
}

export type SimContext = {
  data: SimData
  readonly clock: Clock
  readonly behaviour: SimBehaviour
  quirks: Quirks
  /** Queues webhook deliveries for an event (the emitter decides which webhooks get it). */
  notify(notice: WebhookNotice): void
}
