import type { FactData } from '../domain/facts.js'
import type { Mapping } from '../domain/mappingRegistry.js'
import { actionOf } from '../platforms/gravityzone/pushEventFields.js'
import type { TicketAssetContext } from './assets.js'
import { formatMac } from './assets/views.js'

/**
 * The ticket a security event becomes: a summary a technician can triage from the queue, and
 * details a technician can act on (docs/assets.md#tickets): the endpoint with its addresses and its
 * HaloPSA asset, the module, the threat, what GravityZone did and where to find the endpoint in
 * GravityZone; then what GravityZone said (the fields that matter per module, then the rest).
 */

const labels: Record<string, string> = {
  av: 'Malware detected',
  hd: 'HyperDetect detection',
  avc: 'Advanced Threat Control detection',
  aph: 'Phishing site',
  fw: 'Firewall event',
  dp: 'Data Protection block',
  uc: 'Content Control block',
  antiexploit: 'Exploit attempt',
  'network-monitor': 'Network attack',
  'network-sandboxing': 'Sandbox Analyzer detection',
  'ransomware-mitigation': 'Ransomware activity',
  'new-incident': 'New EDR incident',
  'exchange-malware': 'Exchange malware',
  'storage-antimalware': 'Storage malware',
  'device-control': 'Device blocked'
}

const moduleLabel = (module: string): string => labels[module] ?? `GravityZone ${module} event`

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

const shown = (value: unknown): string | undefined => {
  if (value === null || value === undefined || value === '') return undefined
  if (typeof value === 'string') return value.length > 500 ? `${value.slice(0, 500)}…` : value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  const json = JSON.stringify(value)
  return json.length > 500 ? `${json.slice(0, 500)}…` : json
}

const first = [
  'malware_name',
  'malware_type',
  'final_status',
  'status',
  'file_path',
  'hash',
  'url',
  'detection_name',
  'severity',
  'severityScore',
  'severity_score',
  'attack_type',
  'computer_ip',
  'computer_fqdn',
  'timestamp'
]

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined

/** The endpoint's rows: its addresses from the asset directory, else from the event itself. */
const endpointRows = (
  event: FactData<'SecurityEventReceived'>,
  context: TicketAssetContext,
  company: string
): [string, string][] => {
  const raw = event.event
  const e = context.endpoint
  const name = event.endpointName ?? e?.name
  const ip = e?.ip ?? text(raw.computer_ip) ?? text(raw.computerIp)
  const fqdn = e?.fqdn ?? text(raw.computer_fqdn)
  const macs = (e?.macs ?? []).map(formatMac)
  const where =
    context.endpointUrl ??
    `Network page of GravityZone Control Center, company ${company}: search for ${name ?? event.endpointId ?? 'the endpoint'} (GravityZone publishes no link to an endpoint's page)`
  const rows: [string, string | undefined][] = [
    ['Endpoint', `${name ?? '—'}${event.endpointId ? ` (id ${event.endpointId})` : ''}`],
    ['IP address', ip],
    ['MAC address', macs.length > 0 ? macs.join(', ') : undefined],
    ['FQDN', fqdn],
    [
      'HaloPSA asset',
      context.asset
        ? `${context.asset.name}${context.asset.inventoryNumber ? ` (${context.asset.inventoryNumber})` : ''}`
        : 'none matched'
    ],
    ['In GravityZone', where]
  ]
  return rows.filter((r): r is [string, string] => r[1] !== undefined)
}

/** A table cell; the endpoint's GravityZone page is a link. */
const cell = (key: string, value: string, context: TicketAssetContext): string =>
  key === 'In GravityZone' && context.endpointUrl === value
    ? `<a href="${escapeHtml(value)}">${escapeHtml(value)}</a>`
    : escapeHtml(value)

export const ticketText = (
  event: FactData<'SecurityEventReceived'>,
  mapping: Mapping,
  context: TicketAssetContext = {}
): { summary: string; details: string; detailsHtml: string } => {
  const where = event.endpointName ?? context.endpoint?.name ?? event.endpointId ?? 'an endpoint'
  const what = event.threatName ? `: ${event.threatName}` : ''
  const outcome = event.blocked ? ' (blocked)' : ''
  const summary = `[GravityZone] ${moduleLabel(event.module)} on ${where}${what}${outcome}`.slice(0, 250)
  const company = mapping.gravityzoneCompanyName ?? mapping.gravityzoneCompanyId
  const action = actionOf(event.module, event.event)
  const rows: [string, string][] = [
    ['Company', company],
    ...endpointRows(event, context, company),
    ['Module', `${moduleLabel(event.module)} (${event.module})`],
    ...(event.threatName ? [['Threat', event.threatName] as [string, string]] : []),
    ['Action taken by GravityZone', action ?? 'not reported'],
    ['Threat blocked', event.blocked ? 'yes' : 'no'],
    ...(event.occurredAt ? [['Detected at', event.occurredAt] as [string, string]] : [])
  ]
  const raw = event.event
  const keys = [
    ...first.filter((k) => k in raw),
    ...Object.keys(raw)
      .filter((k) => !first.includes(k) && k !== 'module' && k !== 'companyId')
      .sort()
  ]
  for (const key of keys) {
    const value = shown(raw[key])
    if (value !== undefined) rows.push([key, value])
  }
  const details = [
    `GravityZone reported: ${moduleLabel(event.module)} on ${where}${what}.`,
    '',
    ...rows.map(([k, v]) => `${k}: ${v}`),
    '',
    `Relay event key: ${event.eventKey}`
  ].join('\n')
  const detailsHtml =
    `<p>GravityZone reported: <strong>${escapeHtml(moduleLabel(event.module))}</strong> on ${escapeHtml(where)}${escapeHtml(what)}.</p>` +
    `<table>${rows.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${cell(k, v, context)}</td></tr>`).join('')}</table>` +
    `<p><small>Relay event key ${escapeHtml(event.eventKey)}</small></p>`
  return { summary, details, detailsHtml }
}

export const repeatNote = (event: FactData<'SecurityEventReceived'>): string =>
  `GravityZone reported this threat again${event.occurredAt ? ` at ${event.occurredAt}` : ''}${event.blocked ? ' (blocked)' : ''}: ${moduleLabel(event.module)} on ${event.endpointName ?? event.endpointId ?? 'the endpoint'}${event.threatName ? ` — ${event.threatName}` : ''}. Relay event key ${event.eventKey}.`
