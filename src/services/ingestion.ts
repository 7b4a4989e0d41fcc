import { JsonText, type EventStore, type NewFact } from '../store/port.js'
import { contentHash, deterministicId } from '../domain/ids.js'
import { metadataFor } from '../domain/metadata.js'
import { streams } from '../domain/streams.js'
import type { FactData } from '../domain/facts.js'
import { preparePush, type PushLimits, type UnusablePush } from './pushPreparation.js'
import type { PushPreparers } from './pushPreparers.js'
import {
  HALO_MAX_NOTIFICATIONS,
  haloNotificationLimitProblem,
  haloWebhookPayloadSchema
} from '../platforms/halopsa/webhookPayload.js'
import { withoutBom } from '../domain/jsonLimits.js'

/**
 * Turns webhook deliveries into facts. Every fact of a delivery goes into one stream named after
 * the SHA-256 of the body (for GravityZone, as a time-ordered id: its send time, then the hash),
 * appended with `no_stream` and ids derived from the body: a re-delivery of the same bytes is an
 * idempotent repeat of the first append and writes nothing
 * (docs/architecture.md#deterministic-ids). The caller answers 2xx only once this resolves, i.e.
 * once the facts are durable. A GravityZone body is prepared by pushPreparation.ts, on a
 * preparation thread when it is large and threads are given.
 */

type PushIngestResult =
  | UnusablePush
  | { ok: true; deliveryId: string; security: number; platform: number; invalid: number; position: bigint | null }

type HaloIngestResult = { deliveryId: string; received: number; invalid: number; position: bigint | null }

const MAX_KEPT_BODY = 64 * 1024

export const createIngestion = (
  deps: { store: EventStore; now?: () => Date; preparers?: PushPreparers } & PushLimits
) => {
  const now = deps.now ?? (() => new Date())
  const limits: PushLimits = deps.maxEvents !== undefined ? { maxEvents: deps.maxEvents } : {}

  return {
    async gravityzonePush(rawBody: Buffer): Promise<PushIngestResult> {
      const prepared = deps.preparers ? await deps.preparers.prepare(rawBody) : preparePush(rawBody, limits)
      if (!prepared.ok) return prepared
      const { deliveryId, security, platform, invalid } = prepared
      if (prepared.facts.length === 0) return { ok: true, deliveryId, security, platform, invalid, position: null }
      const metadata = metadataFor({ actor: 'gravityzone', correlationId: deliveryId, causationId: deliveryId }, now())
      const facts = prepared.facts.map((f): NewFact => ({
        id: f.id,
        type: f.type,
        data: new JsonText(f.data),
        metadata
      }))
      const result = await deps.store.append(prepared.stream, facts, { expectedRevision: 'no_stream' })
      return { ok: true, deliveryId, security, platform, invalid, position: result.position }
    },

    async halopsaWebhook(rawBody: Buffer): Promise<HaloIngestResult> {
      const deliveryId = contentHash(rawBody)
      const metadata = metadataFor({ actor: 'halopsa', correlationId: deliveryId, causationId: deliveryId }, now())
      let keptBody: string | undefined
      const invalid = (reason: string): NewFact => ({
        id: deterministicId('haloDelivery', deliveryId),
        type: 'HaloWebhookInvalid',
        data: {
          deliveryId,
          reason,
          body: (keptBody ??= rawBody.subarray(0, MAX_KEPT_BODY).toString('utf8'))
        } satisfies FactData<'HaloWebhookInvalid'>,
        metadata
      })
      let facts: NewFact[]
      let json: unknown
      try {
        json = JSON.parse(withoutBom(rawBody.toString('utf8')))
      } catch {
        json = undefined
      }
      // Halo may batch several notifications into one delivery (v2.164+); each is judged alone.
      const items = Array.isArray(json) ? json : [json]
      if (json === undefined) {
        facts = [invalid('the body is not JSON')]
      } else if (items.length > HALO_MAX_NOTIFICATIONS) {
        facts = [
          invalid(`the delivery holds ${items.length} notifications; at most ${HALO_MAX_NOTIFICATIONS} are read`)
        ]
      } else {
        facts = items.map((item, index): NewFact => {
          const id = deterministicId('haloDelivery', deliveryId, String(index))
          const problem = haloNotificationLimitProblem(item)
          if (problem !== undefined) return { ...invalid(`notification ${index} ${problem}`), id }
          const parsed = haloWebhookPayloadSchema.safeParse(item)
          if (!parsed.success) {
            const issue = parsed.error.issues[0]
            return {
              ...invalid(
                `notification ${index}: ${issue?.path.join('.') || 'body'} ${issue?.message ?? 'is not usable'}`
              ),
              id
            }
          }
          const p = parsed.data
          const data: FactData<'HaloWebhookReceived'> = {
            deliveryId,
            index,
            ...(p.deliveryId !== null ? { haloId: p.deliveryId } : {}),
            event: p.event,
            objectId: p.objectId,
            ...(p.ticket ? { ticketId: p.ticket.id } : p.event.includes('ticket') ? { ticketId: p.objectId } : {}),
            ...(p.ticket?.statusId != null ? { statusId: p.ticket.statusId } : {}),
            ...(p.ticket?.clientId != null
              ? { clientId: p.ticket.clientId }
              : p.client
                ? { clientId: p.client.id }
                : {}),
            ...(p.ticket?.hasBeenClosed != null ? { hasBeenClosed: p.ticket.hasBeenClosed } : {}),
            ...(p.client?.inactive != null ? { clientInactive: p.client.inactive } : {}),
            body: item
          }
          return { id, type: 'HaloWebhookReceived', data, metadata }
        })
        if (facts.length === 0) facts = [invalid('the delivery holds no notification')]
      }
      const result = await deps.store.append(streams.haloDelivery(deliveryId), facts, { expectedRevision: 'no_stream' })
      return {
        deliveryId,
        received: facts.filter((f) => f.type === 'HaloWebhookReceived').length,
        invalid: facts.filter((f) => f.type === 'HaloWebhookInvalid').length,
        position: result.position
      }
    }
  }
}
