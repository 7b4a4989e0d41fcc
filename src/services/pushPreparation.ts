import { deterministicTimedId, indexedId } from '../domain/ids.js'
import { streams } from '../domain/streams.js'
import type { FactData, FactType } from '../domain/facts.js'
import { parsePushDelivery, type PushDeliveryError } from '../platforms/gravityzone/push.js'
import { classifyPushEvent } from '../platforms/gravityzone/pushEvents.js'
import { inexactEventTexts } from '../platforms/gravityzone/pushEventText.js'

/**
 * The CPU-heavy half of a GravityZone push delivery: parse the body, classify every event, and
 * write each fact's data as JSON text. A pure function of the bytes, so it runs on the event loop
 * or on a preparation thread (pushPreparers.ts) with the same result; the caller adds the
 * metadata and appends (ingestion.ts).
 */

/** A fact of the delivery, its data already JSON text. */
type PreparedFact = { id: string; type: FactType; data: string }

/** What a delivery may hold (PUSH_MAX_EVENTS). */
export type PushLimits = { maxEvents?: number }

/**
 * A body that is not an addEvents delivery at all (refused with 400), or one with more events than
 * PUSH_MAX_EVENTS (refused with 413): nothing of it is stored.
 */
export type UnusablePush = { ok: false; reason: PushDeliveryError['code']; message: string }

export type PreparedPush =
  | UnusablePush
  | {
      ok: true
      deliveryId: string
      stream: string
      security: number
      platform: number
      invalid: number
      facts: PreparedFact[]
    }

/**
 * A pushed event's data as JSON text: its own fields, then the event as the canonical JSON its key
 * was hashed from (keys sorted), so the event is serialised once, not twice.
 */
const withEvent = (fields: Record<string, unknown>, eventJson: string): string =>
  `${JSON.stringify(fields).slice(0, -1)},"event":${eventJson}}`

export const preparePush = (rawBody: Uint8Array, limits: PushLimits = {}): PreparedPush => {
  const parsed = parsePushDelivery(rawBody, limits)
  if (!parsed.ok) return { ok: false, reason: parsed.error.code, message: parsed.error.message }
  const { deliveryId, rpcId, events, text } = parsed.delivery
  // Events holding a number JSON.parse cannot keep (1e400) keep their text as sent, too.
  const rawTexts = inexactEventTexts(text, events.length)
  // GravityZone's JSON-RPC id is the send time in ms: ids made from it sort by delivery time.
  const sentAt = typeof rpcId === 'number' ? rpcId : undefined
  const counts = { security: 0, platform: 0, invalid: 0 }
  const base = deterministicTimedId(sentAt, 'gzDelivery', deliveryId)
  const facts = events.map((raw, index): PreparedFact => {
    const id = indexedId(base, index)
    const event = classifyPushEvent(raw, index, rawTexts?.get(index))
    counts[event.kind]++
    switch (event.kind) {
      case 'security': {
        // Optional fields assigned only when present, not spread in: this runs for every pushed
        // event, and spreading small objects costs more than the rest of building the fact.
        const fields: Omit<FactData<'SecurityEventReceived'>, 'event'> = {
          deliveryId,
          index,
          eventKey: event.eventKey,
          threatKey: event.threatKey,
          module: event.module,
          blocked: event.blocked,
          isTest: event.isTest
        }
        if (event.companyId !== undefined) fields.companyId = event.companyId
        if (event.endpointId !== undefined) fields.endpointId = event.endpointId
        if (event.endpointName !== undefined) fields.endpointName = event.endpointName
        if (event.threatName !== undefined) fields.threatName = event.threatName
        if (event.occurredAt !== undefined) fields.occurredAt = event.occurredAt
        if (event.rawText !== undefined) fields.rawText = event.rawText
        return { id, type: 'SecurityEventReceived', data: withEvent(fields, event.eventJson) }
      }
      case 'platform': {
        const fields: Omit<FactData<'PlatformEventReceived'>, 'event'> = {
          deliveryId,
          index,
          module: event.module,
          isTest: event.isTest
        }
        if (event.companyId !== undefined) fields.companyId = event.companyId
        if (event.rawText !== undefined) fields.rawText = event.rawText
        return { id, type: 'PlatformEventReceived', data: withEvent(fields, event.eventJson) }
      }
      case 'invalid': {
        // raw is within the depth and size limits, or a preview string (pushEvents.ts).
        const data: FactData<'PushEventInvalid'> = { deliveryId, index, reason: event.reason, raw: event.raw ?? null }
        if (event.rawText !== undefined) data.rawText = event.rawText
        return { id, type: 'PushEventInvalid', data: JSON.stringify(data) }
      }
    }
  })
  return { ok: true, deliveryId, stream: streams.gzDelivery(base), ...counts, facts }
}
