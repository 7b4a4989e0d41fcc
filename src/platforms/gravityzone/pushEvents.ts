import { contentHash } from '../../domain/ids.js'
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
}

type InvalidPushEvent = { kind: 'invalid'; index: number; reason: string; raw: unknown }

export type ClassifiedPushEvent = SecurityPushEvent | PlatformPushEvent | InvalidPushEvent

/** A copy of `value` whose objects have their keys in sorted order (undefined members left out). */
const sortedCopy = (value: unknown): unknown => {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map(sortedCopy)
  const record = value as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(record).sort()) {
    const item = record[key]
    if (item === undefined) continue
    // JSON.parse makes "__proto__" an own property; a plain assignment would set the prototype.
    if (key === '__proto__')
      Object.defineProperty(out, key, { value: sortedCopy(item), enumerable: true, writable: true, configurable: true })
    else out[key] = sortedCopy(item)
  }
  return out
}

/**
 * JSON with object keys sorted at every level, so key order never changes a hash. A sorted copy
 * through the native JSON.stringify: this runs for every pushed event, and it was faster than a
 * hand-written serialiser or a sorted list of property names
 * (docs/benchmarks.md#figures-behind-design-choices).
 */
export const canonicalJson = (value: unknown): string => JSON.stringify(sortedCopy(value)) ?? 'null'

/** The event key: a hash of the event's canonical content (`canonicalJson`). */
const eventKeyOf = (eventJson: string): string => contentHash(eventJson)

export const pushEventKey = (event: PushEvent): string => eventKeyOf(canonicalJson(event))

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

export const classifyPushEvent = (raw: unknown, index: number): ClassifiedPushEvent => {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return {
      kind: 'invalid',
      index,
      reason: `event is not an object (${raw === null ? 'null' : Array.isArray(raw) ? 'array' : typeof raw})`,
      raw
    }
  }
  const event = raw as PushEvent
  const module = text(event.module, 100)
  if (module === undefined || typeof event.module !== 'string')
    return { kind: 'invalid', index, reason: 'event has no module', raw }
  // Company ids are 24 hex characters; anything longer than the fact schema allows is not one.
  const companyId = text(event.companyId, 64)
  const endpointId = endpointIdOf(event)
  const occurredAt = occurredAtOf(event)
  const eventJson = canonicalJson(event)
  const eventKey = eventKeyOf(eventJson)
  const isTest = isTestEvent(event)
  // Optional fields are assigned when present rather than spread in: this runs for every event.
  if (!isSecurityModule(module)) {
    const platform: PlatformPushEvent = { kind: 'platform', index, module, eventKey, eventJson, isTest, event }
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
