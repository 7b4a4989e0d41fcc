import { createHash } from 'node:crypto'
import type { SimCompany, SimEndpoint } from '../state.js'

/**
 * What an event factory gets: the company and endpoint the event is about, the time, a sequence
 * number that makes each generated event distinct (and the output deterministic), and the knobs for
 * the edge cases real deliveries show (docs/platforms/gravityzone.md#event-fields,
 * test/fixtures/gravityzone/README.md).
 */
export type EventContext = {
  company: SimCompany
  endpoint?: SimEndpoint | undefined
  /** Epoch milliseconds. */
  at: number
  seq: number
  variant?: EventVariant
  /** partner-changed: the company that joined or left the partner in `company`. */
  moved?: { company: SimCompany; action: 'joined' | 'left' }
}

export type EventVariant = {
  /** av / hd outcome: deleted, quarantined, cleaned, blocked, ignored or present. */
  finalStatus?: string
  /** new-incident: which spelling of the score field to send. */
  severitySpelling?: 'severityScore' | 'severity_score'
  /** Leave `companyId` out (as the published device-control and network-monitor samples do). */
  omitCompanyId?: boolean
  /** Blocked (true) or report-only (false) where a module has both. */
  blocked?: boolean
}

export type GeneratedEvent = Record<string, unknown>
export type EventFactory = (ctx: EventContext) => GeneratedEvent

export const isoSeconds = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString()
export const epochSeconds = (ms: number): number => Math.floor(ms / 1000)

export const pick = <T>(list: readonly T[], seq: number): T => list[seq % list.length]!

export const fakeHash = (...parts: (string | number)[]): string =>
  createHash('sha256').update(parts.join(':')).digest('hex')

/** 24 hex characters, like GravityZone's ids. */
export const fakeId = (...parts: (string | number)[]): string => fakeHash(...parts).slice(0, 24)

/** The endpoint a company-level event falls back to when the company has none. */
const placeholderEndpoint = (ctx: EventContext): SimEndpoint => {
  const name = `${ctx.company.name
    .replace(/[^A-Za-z0-9]+/g, '-')
    .toUpperCase()
    .slice(0, 12)}-WS01`
  return {
    id: fakeId('placeholder-endpoint', ctx.company.id),
    name,
    label: name,
    companyId: ctx.company.id,
    fqdn: 'ws01.local',
    ip: '10.0.0.10',
    macs: [fakeId('mac', ctx.company.id).slice(0, 12)],
    ssid: '',
    os: 'Windows 11 Pro',
    hwid: fakeId('hwid', ctx.company.id),
    product: 'BEST',
    isManaged: true,
    lastSeen: isoSeconds(ctx.at)
  }
}

export const endpointOf = (ctx: EventContext): SimEndpoint => ctx.endpoint ?? placeholderEndpoint(ctx)

/** The endpoint block most endpoint events start with (docs/platforms/gravityzone.md#event-fields). */
export const endpointBlock = (ctx: EventContext): GeneratedEvent => {
  const endpoint = endpointOf(ctx)
  return {
    ...(ctx.variant?.omitCompanyId ? {} : { companyId: ctx.company.id }),
    computer_name: endpoint.name,
    computer_fqdn: endpoint.fqdn,
    computer_ip: endpoint.ip,
    computer_id: endpoint.id,
    product_installed: endpoint.product
  }
}
