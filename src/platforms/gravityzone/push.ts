import { hash, timingSafeEqual } from 'node:crypto'
import { secretMatcher } from '../transport/secrets.js'
import { z } from 'zod'
import { contentHash } from '../../domain/ids.js'
import { withoutBom } from '../../domain/jsonLimits.js'

/**
 * What a GravityZone Event Push Service delivery looks like on the wire
 * (docs/platforms/gravityzone.md#what-a-delivery-looks-like): an `addEvents` JSON-RPC request,
 * usually without a Content-Type header, authenticated by the configured `Authorization` string and
 * an `Event-Push-Service-Md5` integrity header.
 */

// One-shot digests (crypto.hash): no Hash object per call on the webhook path.
const md5hex = (data: string | Uint8Array): string => hash('md5', data, 'hex')

/**
 * `Event-Push-Service-Md5` = md5hex(apiKey + md5hex(rawBody)): hex digests, key first — the PHP
 * sample on 77211-135325 concatenates the key with md5(body), while the prose is ambiguous
 * (docs/platforms/gravityzone.md#authorization-and-the-md5-header).
 */
export const pushMd5 = (apiKey: string, rawBody: string | Uint8Array): string => md5hex(apiKey + md5hex(rawBody))

const single = (header: string | string[] | undefined): string | undefined =>
  Array.isArray(header) ? header[0] : header

const md5Hex = /^[0-9a-f]{32}$/

/**
 * Checks the `Event-Push-Service-Md5` header of a delivery against the body bytes, in constant
 * time. Both sides are 32 hex digits once the header has the right shape (which says nothing about
 * the key), so the bytes are compared directly, without hashing them to a common length first.
 */
export const verifyPushMd5 = (
  apiKey: string,
  rawBody: string | Uint8Array,
  header: string | string[] | undefined
): boolean => {
  const value = single(header)?.trim().toLowerCase()
  if (value === undefined || !md5Hex.test(value)) return false
  return timingSafeEqual(Buffer.from(value, 'latin1'), Buffer.from(pushMd5(apiKey, rawBody), 'latin1'))
}

/**
 * A check of the `Authorization` header against the configured string (GravityZone copies it
 * verbatim), with the configured string's digest computed once.
 */
export const pushAuthorizationCheck = (expected: string) => {
  const matches = secretMatcher(expected)
  return (header: string | string[] | undefined): boolean => matches(single(header))
}

export const verifyPushAuthorization = (expected: string, header: string | string[] | undefined): boolean =>
  pushAuthorizationCheck(expected)(header)

/**
 * The envelope only: events stay `unknown` so one bad event is kept as an invalid fact instead of
 * failing the whole batch: GravityZone switches the service off after 100 failed deliveries
 * (docs/platforms/gravityzone.md#switch-off-after-failed-deliveries). `id` is a number in every
 * sample, before or after `params`; strings are tolerated too.
 */
const AddEventsEnvelope = z.looseObject({
  jsonrpc: z.literal('2.0').optional(),
  method: z.literal('addEvents'),
  params: z.looseObject({ events: z.array(z.unknown()) }),
  id: z.union([z.number(), z.string(), z.null()]).optional()
})
type AddEventsEnvelope = z.infer<typeof AddEventsEnvelope>

type PushDelivery = {
  /** Hex SHA-256 of the raw body: a re-delivery of the same bytes has the same id. */
  deliveryId: string
  rpcId: number | string | null
  events: unknown[]
  /** The body as text, without a byte order mark. */
  text: string
}

export type PushDeliveryError = { code: 'not_json' | 'not_add_events' | 'too_many_events'; message: string }

type ParsedPushDelivery = { ok: true; delivery: PushDelivery } | { ok: false; error: PushDeliveryError }

/** The default of PUSH_MAX_EVENTS: how many events one delivery may hold. */
export const PUSH_MAX_EVENTS = 10_000

/** How many events `json` holds if it looks like an addEvents envelope (checked before the schema walks them). */
const eventCount = (json: unknown): number => {
  const events = (json as { params?: { events?: unknown } } | null)?.params?.events
  return Array.isArray(events) ? events.length : 0
}

/**
 * Parses a raw delivery body (bytes or text, whatever the Content-Type said). A leading UTF-8 byte
 * order mark is ignored, as JSON parsers commonly do (RFC 8259 §8.1 allows it); the MD5 check and
 * the delivery id still cover the bytes as sent. A delivery of more than `maxEvents` events is
 * refused before any of them is looked at.
 */
export const parsePushDelivery = (
  rawBody: string | Uint8Array,
  { maxEvents = PUSH_MAX_EVENTS }: { maxEvents?: number } = {}
): ParsedPushDelivery => {
  // A view of the same bytes: Buffer.from(rawBody) would copy them first.
  const decoded =
    typeof rawBody === 'string'
      ? rawBody
      : Buffer.from(rawBody.buffer, rawBody.byteOffset, rawBody.byteLength).toString('utf8')
  const text = withoutBom(decoded)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return { ok: false, error: { code: 'not_json', message: 'the body is not JSON' } }
  }
  const count = eventCount(json)
  if (count > maxEvents) {
    const message = `the delivery holds ${count} events; at most ${maxEvents} are accepted in one delivery (PUSH_MAX_EVENTS)`
    return { ok: false, error: { code: 'too_many_events', message } }
  }
  const parsed = AddEventsEnvelope.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : ''
    return {
      ok: false,
      error: { code: 'not_add_events', message: `not an addEvents envelope: ${issue?.message ?? 'invalid'}${where}` }
    }
  }
  return {
    ok: true,
    delivery: {
      deliveryId: contentHash(rawBody),
      rpcId: parsed.data.id ?? null,
      events: parsed.data.params.events,
      text
    }
  }
}
