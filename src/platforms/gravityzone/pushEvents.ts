import { contentHash } from '../../domain/ids.js'
import { MAX_JSON_DEPTH, exceedsDepth, jsonPreview } from '../../domain/jsonLimits.js'
import { isSecurityModule, type SecurityModule } from './modules.js'
import { blockedByEvent, parseEventTime, threatIdentity, threatNameOf } from './pushEventFields.js'

/**
 * Turns one pushed event (a flat JSON object, docs/platforms/gravityzone.md#event-fields) into what
 * the relay records: a security event with the fields ticketing needs, a platform event kept for
 * the audit, or an invalid event with the reason. Never throws: GravityZone must get its 200
 * whatever it sent.
 */

type PushEvent = Record<string, unknown>

export type SecurityPushEvent = {
  kind: 'security'
  index: number
  /** Hash of the event's canonical content: the same event in another batch has the same key. */
  eventKey: string
  /** That canonical content: the event as JSON with its keys sorted at every level. */
  eventJson: string
  /** Hash of the threat basis: the same threat seen again on the same endpoint has the same key. */
  threatKey: string
  /** What threatKey hashes: module, endpoint (or company when there is no endpoint), threat identity. */
  threatBasis: [module: string, endpoint: string, identity: unknown[]]
  module: SecurityModule
  companyId?: string
  endpointId?: string
  endpointName?: string
  threatName?: string
  /** The threat was blocked, deleted, quarantined or cleaned (a candidate for auto-close). */
  blocked: boolean
  isTest: boolean
  occurredAt?: string
  event: PushEvent
  /** The event's text as sent, when it holds a number JSON.parse cannot keep (pushEventText.ts). */
  rawText?: string
}

type PlatformPushEvent = {
  kind: 'platform'
  index: number
  eventKey: string
  eventJson: string
  module: string
  companyId?: string
  endpointId?: string
  isTest: boolean
  occurredAt?: string
  event: PushEvent
  rawText?: string
}

type InvalidPushEvent = {
  kind: 'invalid'
  index: number
  reason: string
  /** The event as sent, or a preview of it (a string) when it is beyond the limits below. */
  raw: unknown
  rawText?: string
}

export type ClassifiedPushEvent = SecurityPushEvent | PlatformPushEvent | InvalidPushEvent

/** Thrown by canonicalJson for a value nested deeper than MAX_JSON_DEPTH. */
export class TooDeep extends Error {
  constructor() {
    super(`nested deeper than ${MAX_JSON_DEPTH} levels`)
    this.name = 'TooDeep'
  }
}

/**
 * A copy of `value` whose objects have their keys in sorted order (undefined members left out).
 * Recursive, so it counts its depth and gives up past MAX_JSON_DEPTH, long before the stack could
 * overflow (classifyPushEvent keeps such an event as an invalid one).
 */
const sortedCopy = (value: unknown, depth: number): unknown => {
  if (value === null || typeof value !== 'object') return value
  if (depth > MAX_JSON_DEPTH) throw new TooDeep()
  if (Array.isArray(value)) return value.map((item) => sortedCopy(item, depth + 1))
  const record = value as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(record).sort()) {
    const item = record[key]
    if (item === undefined) continue
    const copy = sortedCopy(item, depth + 1)
    // JSON.parse makes "__proto__" an own property; a plain assignment would set the prototype.
    if (key === '__proto__')
      Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true })
    else out[key] = copy
  }
  return out
}

/**
 * JSON with object keys sorted at every level, so key order never changes a hash. A sorted copy
 * through the native JSON.stringify: this runs for every pushed event, and it was faster than a
 * hand-written serialiser or a sorted list of property names
 * (docs/benchmarks.md#figures-behind-design-choices). Throws TooDeep for a value nested deeper
 * than MAX_JSON_DEPTH.
 */
export const canonicalJson = (value: unknown): string => JSON.stringify(sortedCopy(value, 1)) ?? 'null'

/**
 * The event key: a hash of the event's canonical content (`canonicalJson`), or of its text as sent
 * when that holds a number JSON.parse cannot keep (two such events may parse to the same value).
 */
const eventKeyOf = (eventJson: string, rawText: string | undefined): string => contentHash(rawText ?? eventJson)

export const pushEventKey = (event: PushEvent): string => eventKeyOf(canonicalJson(event), undefined)

/**
 * The largest event kept as it is: its canonical JSON (or its text as sent) may have this many
 * characters. A GravityZone event has a few kilobytes; a larger one is kept as an invalid event.
 */
export const MAX_EVENT_CHARS = 256 * 1024
/** How much of an event beyond the limits is kept, as a preview, in its PushEventInvalid fact. */
export const RAW_PREVIEW_CHARS = 4 * 1024

/** What an invalid event keeps of itself: the value, or a bounded preview when it is too deep or too large. */
const keptRaw = (raw: unknown): unknown => {
  if (exceedsDepth(raw, MAX_JSON_DEPTH)) return jsonPreview(raw, RAW_PREVIEW_CHARS)
  const json = JSON.stringify(raw) ?? 'null'
  return json.length > MAX_EVENT_CHARS ? `${json.slice(0, RAW_PREVIEW_CHARS)}…` : raw
}

const invalid = (index: number, reason: string, raw: unknown, rawText: string | undefined): InvalidPushEvent => {
  const event: InvalidPushEvent = { kind: 'invalid', index, reason, raw }
  if (rawText !== undefined && rawText.length <= MAX_EVENT_CHARS) event.rawText = rawText
  return event
}

const text = (value: unknown, max = 1024): string | undefined => {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim()
  return trimmed === '' || trimmed.length > max ? undefined : trimmed
}

/**
 * The endpoint the event is about: `computer_id` is the GravityZone endpoint id
 * (docs/platforms/gravityzone.md#event-fields).
 */
const endpointIdOf = (event: PushEvent): string | undefined => text(event.computer_id) ?? text(event.endpointId)
const endpointNameOf = (event: PushEvent): string | undefined =>
  text(event.computer_name) ?? text(event.computerName) ?? text(event.serverName)

const isTestEvent = (event: PushEvent): boolean =>
  event._testEvent_ === true || event._testEvent_ === 1 || event._testEvent_ === 'true'

const timeFields = [
  'timestamp',
  'detection_time',
  'detectionTime',
  'detected_on',
  'created',
  'date',
  'last_blocked',
  'startDate'
] as const

const occurredAtOf = (event: PushEvent): string | undefined => {
  for (const field of timeFields) {
    const parsed = parseEventTime(event[field])
    if (parsed !== undefined) return parsed
  }
  return undefined
}

/** Builds the threat key the ticketing service uses to spot a repeat of a threat on an endpoint. */
const threatKeyOf = (module: string, endpoint: string, identity: unknown[]): string =>
  contentHash(canonicalJson([module, endpoint, identity]))

/**
 * Classifies one pushed event. `rawText` is the event's text as sent when it holds a number
 * JSON.parse cannot keep (pushEventText.ts); it is kept beside the parsed event.
 */
export const classifyPushEvent = (raw: unknown, index: number, rawText?: string): ClassifiedPushEvent => {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const kind = raw === null ? 'null' : Array.isArray(raw) ? 'array' : typeof raw
    return invalid(index, `event is not an object (${kind})`, keptRaw(raw), rawText)
  }
  const event = raw as PushEvent
  const module = text(event.module, 100)
  if (module === undefined || typeof event.module !== 'string')
    return invalid(index, 'event has no module', keptRaw(raw), rawText)
  let eventJson: string
  try {
    eventJson = canonicalJson(event)
  } catch (error) {
    if (!(error instanceof TooDeep)) throw error
    return invalid(index, `event is ${error.message}`, jsonPreview(raw, RAW_PREVIEW_CHARS), undefined)
  }
  if (eventJson.length > MAX_EVENT_CHARS || (rawText?.length ?? 0) > MAX_EVENT_CHARS) {
    const reason = `event is larger than ${MAX_EVENT_CHARS / 1024} KiB of JSON`
    return invalid(index, reason, `${eventJson.slice(0, RAW_PREVIEW_CHARS)}…`, undefined)
  }
  // Company ids are 24 hex characters; anything longer than the fact schema allows is not one.
  const companyId = text(event.companyId, 64)
  const endpointId = endpointIdOf(event)
  const occurredAt = occurredAtOf(event)
  const eventKey = eventKeyOf(eventJson, rawText)
  const isTest = isTestEvent(event)
  // Optional fields are assigned when present rather than spread in: this runs for every event.
  if (!isSecurityModule(module)) {
    const platform: PlatformPushEvent = { kind: 'platform', index, module, eventKey, eventJson, isTest, event }
    if (rawText !== undefined) platform.rawText = rawText
    if (companyId !== undefined) platform.companyId = companyId
    if (endpointId !== undefined) platform.endpointId = endpointId
    if (occurredAt !== undefined) platform.occurredAt = occurredAt
    return platform
  }

  const endpointName = endpointNameOf(event)
  const threatName = threatNameOf(module, event)
  const endpoint = endpointId ?? (endpointName !== undefined ? `name:${endpointName}` : `company:${companyId ?? ''}`)
  const identity = threatIdentity(module, event)
  const security: SecurityPushEvent = {
    kind: 'security',
    index,
    module,
    eventKey,
    eventJson,
    threatKey: threatKeyOf(module, endpoint, identity),
    threatBasis: [module, endpoint, identity],
    blocked: blockedByEvent(module, event),
    isTest,
    event
  }
  if (rawText !== undefined) security.rawText = rawText
  if (companyId !== undefined) security.companyId = companyId
  if (endpointId !== undefined) security.endpointId = endpointId
  if (endpointName !== undefined) security.endpointName = endpointName
  if (threatName !== undefined) security.threatName = threatName
  if (occurredAt !== undefined) security.occurredAt = occurredAt
  return security
}

/** Classifies every event of a delivery, in order; the result has one entry per event. */
export const classifyPushEvents = (events: readonly unknown[]): ClassifiedPushEvent[] =>
  events.map((event, index) => classifyPushEvent(event, index))
