import { pushMd5 } from '../../src/platforms/gravityzone/push.js'
import type { GeneratedEvent } from './events/index.js'

/**
 * What one push delivery looks like (docs/platforms/gravityzone.md#what-a-delivery-looks-like): the
 * body per service type and the headers. `jsonRPC` is what the relay receives; `cef` and `splunk`
 * exist so a receiver can be shown refusing what it does not support.
 */
export type ServiceType = 'jsonRPC' | 'splunk' | 'cef'

const cefEscape = (value: string) => value.replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\r?\n/g, ' ')

const cefLine = (event: GeneratedEvent): string => {
  const module = String(event.module ?? 'unknown')
  const fields = Object.entries(event)
    .filter(([, value]) => value !== null && typeof value !== 'object')
    .map(([key, value]) => `BitdefenderGZ${key[0]!.toUpperCase()}${key.slice(1)}=${cefEscape(String(value))}`)
  return `CEF:0|Bitdefender|GravityZone|6.0|${module}|${module}|5|${fields.join(' ')}`
}

/** `id` is epoch milliseconds, as in every published jsonRPC delivery. */
export const pushBody = (serviceType: ServiceType, events: GeneratedEvent[], id: number): string => {
  switch (serviceType) {
    case 'jsonRPC':
      return JSON.stringify({ jsonrpc: '2.0', method: 'addEvents', params: { events }, id })
    case 'cef':
      return JSON.stringify({ cef: '0', events: events.map(cefLine) })
    case 'splunk':
      return events.map((event) => JSON.stringify({ event })).join('\n')
  }
}

export type PushTarget = {
  serviceType: ServiceType
  serviceSettings: { authorization?: string; splunkAuthorization?: string }
}

/**
 * Body and headers of a delivery: `Authorization` is the configured string verbatim (splunk has its
 * own field), `Event-Push-Service-Md5` = md5hex(apiKey + md5hex(body)), and no Content-Type — the
 * real service sends none. Undefined headers when no authorization is configured (GravityZone counts
 * that as a configurationError).
 */
export const pushRequest = (
  target: PushTarget,
  apiKey: string,
  events: GeneratedEvent[],
  id: number
): { body: string; headers?: Record<string, string> } => {
  const body = pushBody(target.serviceType, events, id)
  const authorization =
    target.serviceType === 'splunk' ? target.serviceSettings.splunkAuthorization : target.serviceSettings.authorization
  if (authorization === undefined || authorization === '') return { body }
  return { body, headers: { authorization, 'event-push-service-md5': pushMd5(apiKey, body) } }
}
