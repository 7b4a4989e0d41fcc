import type { GeneratedEvent } from './events/index.js'

/**
 * Request bodies per service type (reference/gravityzone.md §4.5). `jsonRPC` is what the relay
 * receives; `cef` and `splunk` exist so a receiver can be shown refusing what it does not support.
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
