import type { SecurityModule } from './modules.js'

/**
 * Per-module field knowledge for security events (docs/platforms/gravityzone.md#event-fields):
 * which fields name the threat, which say it was blocked, and when it happened. Field names differ
 * between modules (snake_case, camelCase, nested `malware[]`), hence the tables.
 */

type Event = Record<string, unknown>

const str = (value: unknown): string | undefined => {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (typeof value !== 'string') return undefined
  const trimmed = value.trim()
  return trimmed === '' ? undefined : trimmed
}

const exchangeMalware = (event: Event): Event[] =>
  Array.isArray(event.malware)
    ? event.malware.filter((m): m is Event => m !== null && typeof m === 'object' && !Array.isArray(m))
    : []

const sortedStrings = (value: unknown): string[] => (Array.isArray(value) ? value.map((v) => str(v) ?? '').sort() : [])

/**
 * What makes two events "the same threat" on one endpoint. Not the time, not the incident id (a
 * repeat of the same detection opens a new EDR incident), not a per-event counter.
 */
const identity: Record<SecurityModule, (e: Event) => unknown[]> = {
  av: (e) => [str(e.hash) ?? null, str(e.malware_name) ?? null],
  hd: (e) => [str(e.hash) ?? null, str(e.malware_name) ?? null, str(e.attack_type) ?? null],
  avc: (e) => [str(e.exploit_type) ?? null, str(e.exploit_path) ?? null],
  aph: (e) => [str(e.aph_type) ?? null, str(e.url) ?? null],
  fw: (e) => [str(e.status) ?? null, str(e.source_ip) ?? null, str(e.protocol_id) ?? null],
  dp: (e) => [str(e.blocking_rule_name) ?? null, str(e.target_type) ?? null, str(e.url) ?? null],
  uc: (e) => [str(e.uc_type) ?? null, str(e.block_type) ?? null, str(e.url) ?? null],
  antiexploit: (e) => [
    str(e.detection_threatName) ?? null,
    str(e.detection_exploitTechnique) ?? null,
    str(e.detection_path) ?? null
  ],
  'network-monitor': (e) => [
    str(e.detection_name) ?? null,
    str(e.detection_attackTechnique) ?? null,
    str(e.source_ip) ?? null
  ],
  'network-sandboxing': (e) => [str(e.threatType) ?? null, sortedStrings(e.filePaths)],
  'ransomware-mitigation': (e) => [str(e.attack_type) ?? null, str(e.attack_source) ?? null],
  'new-incident': (e) => [
    str(e.detection_name) ?? null,
    str(e.file_hash_sha256) ?? str(e.file_path) ?? str(e.process_path) ?? null
  ],
  'exchange-malware': (e) => [
    exchangeMalware(e)
      .map((m) => str(m.malwareName) ?? '')
      .sort()
  ],
  'storage-antimalware': (e) => [str(e.malware_name) ?? null, str(e.file_hash) ?? null, str(e.storage_name) ?? null],
  'device-control': (e) => [str(e.deviceId) ?? null, str(e.action) ?? null]
}

export const threatIdentity = (module: SecurityModule, event: Event): unknown[] => identity[module](event)

const names: Record<SecurityModule, (e: Event) => string | undefined> = {
  av: (e) => str(e.malware_name),
  hd: (e) => str(e.malware_name) ?? str(e.attack_type),
  avc: (e) => str(e.exploit_type) ?? str(e.exploit_path),
  aph: (e) => str(e.url),
  fw: (e) => str(e.status),
  dp: (e) => str(e.blocking_rule_name) ?? str(e.url),
  uc: (e) => str(e.url),
  antiexploit: (e) => str(e.detection_threatName) ?? str(e.detection_exploitTechnique),
  'network-monitor': (e) => str(e.detection_name),
  'network-sandboxing': (e) => str(e.threatType),
  'ransomware-mitigation': (e) => (str(e.attack_type) ? `ransomware (${str(e.attack_type)})` : 'ransomware'),
  'new-incident': (e) => str(e.detection_name),
  'exchange-malware': (e) => str(exchangeMalware(e)[0]?.malwareName),
  'storage-antimalware': (e) => str(e.malware_name),
  'device-control': (e) => str(e.deviceName) ?? str(e.deviceId)
}

export const threatNameOf = (module: SecurityModule, event: Event): string | undefined => names[module](event)

/**
 * Words that mean the threat did not get through. `final_status` (av, hd), `status` (aph_blocked,
 * portscan_blocked, uc_site_blocked…), `actionTaken` (network-monitor; reportOnly is not blocked),
 * `action` (device-control), `detection_action` (antiexploit: kill), `main_action` (EDR incidents).
 */
const blockedWords = /\b(block|blocked|delete|deleted|quarantine|quarantined|clean|cleaned|disinfected|kill|killed)\b/
const outcomeFields = ['final_status', 'status', 'actionTaken', 'action', 'detection_action', 'main_action'] as const

const saysBlocked = (value: unknown): boolean => {
  const outcome = typeof value === 'string' ? value.toLowerCase().replace(/[_-]/g, ' ') : ''
  return blockedWords.test(outcome)
}

export const blockedByEvent = (module: SecurityModule, event: Event): boolean => {
  if (module === 'exchange-malware') {
    const malware = exchangeMalware(event)
    return malware.length > 0 && malware.every((m) => saysBlocked(m.actionTaken))
  }
  const field = outcomeFields.find((name) => typeof event[name] === 'string' && event[name] !== '')
  return field !== undefined && saysBlocked(event[field])
}

/**
 * What GravityZone did about the threat, in its own words: the first outcome field it sent
 * (`deleted`, `aph_blocked`, `reportOnly`, `kill`…), or each Exchange detection's `actionTaken`.
 */
export const actionOf = (module: string, event: Event): string | undefined => {
  if (module === 'exchange-malware') {
    const actions = [...new Set(exchangeMalware(event).flatMap((m) => str(m.actionTaken) ?? []))]
    return actions.length > 0 ? actions.join(', ') : undefined
  }
  for (const name of outcomeFields) {
    const value = str(event[name])
    if (value !== undefined) return value
  }
  return undefined
}

const minTime = Date.UTC(2000, 0, 1)
const maxTime = Date.UTC(2100, 0, 1)

const fromNumber = (n: number): string | undefined => {
  if (!Number.isFinite(n) || n <= 0) return undefined
  // Epoch seconds in most modules (detected_on, detectionTime); milliseconds where the value is that big.
  const ms = n < 1e11 ? n * 1000 : n
  return ms >= minTime && ms < maxTime ? new Date(ms).toISOString() : undefined
}

/** The form most events use, already what this returns when it is a real time in range. */
const canonicalTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

const daysInMonth = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

/**
 * A canonical time (the pattern above) that names a real instant in range: no Feb 30, no hour 24,
 * which Date.parse would roll over. Checked on the digits, without building a Date.
 */
const isRealCanonicalTime = (value: string): boolean => {
  const year = Number(value.slice(0, 4))
  const month = Number(value.slice(5, 7))
  const day = Number(value.slice(8, 10))
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)
  return (
    year >= 2000 &&
    year < 2100 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= (month === 2 && leap ? 29 : daysInMonth[month - 1]!) &&
    Number(value.slice(11, 13)) < 24 &&
    Number(value.slice(14, 16)) < 60 &&
    Number(value.slice(17, 19)) < 60
  )
}

/**
 * Timestamps come as ISO strings, epoch seconds (numbers or digit strings) and, in one published
 * sample, with stray spaces ("2017- 09 - 13T14: 20:37.000Z"). A time without an offset is UTC, as
 * GravityZone reports UTC everywhere. Anything unreadable is undefined, never an error.
 */
export const parseEventTime = (value: unknown): string | undefined => {
  if (typeof value === 'number') return fromNumber(value)
  if (typeof value !== 'string') return undefined
  if (canonicalTime.test(value) && isRealCanonicalTime(value)) return value
  const compact = value.replace(/\s+/g, '')
  if (compact === '') return undefined
  if (/^\d+(\.\d+)?$/.test(compact)) return fromNumber(Number(compact))
  const withZone = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(compact) ? `${compact}Z` : compact
  if (!/^\d{4}-\d{2}-\d{2}/.test(withZone)) return undefined
  const ms = Date.parse(withZone)
  return Number.isNaN(ms) || ms < minTime || ms >= maxTime ? undefined : new Date(ms).toISOString()
}
