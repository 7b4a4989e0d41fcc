import type { FactData } from '../domain/facts.js'
import type { Mapping } from '../domain/mappingRegistry.js'

/**
 * The ticket a security event becomes: a summary a technician can triage from the queue, and
 * details with what GravityZone said (the fields that matter per module, then the rest).
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

export const ticketText = (
  event: FactData<'SecurityEventReceived'>,
  mapping: Mapping
): { summary: string; details: string; detailsHtml: string } => {
  const where = event.endpointName ?? event.endpointId ?? 'an endpoint'
  const what = event.threatName ? `: ${event.threatName}` : ''
  const outcome = event.blocked ? ' (blocked)' : ''
  const summary = `[GravityZone] ${moduleLabel(event.module)} on ${where}${what}${outcome}`.slice(0, 250)
  const rows: [string, string][] = [
    ['Company', mapping.gravityzoneCompanyName ?? mapping.gravityzoneCompanyId],
    ['Endpoint', `${event.endpointName ?? '—'}${event.endpointId ? ` (id ${event.endpointId})` : ''}`],
    ['Module', `${moduleLabel(event.module)} (${event.module})`],
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
    `<table>${rows.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>` +
    `<p><small>Relay event key ${escapeHtml(event.eventKey)}</small></p>`
  return { summary, details, detailsHtml }
}

export const repeatNote = (event: FactData<'SecurityEventReceived'>): string =>
  `GravityZone reported this threat again${event.occurredAt ? ` at ${event.occurredAt}` : ''}${event.blocked ? ' (blocked)' : ''}: ${moduleLabel(event.module)} on ${event.endpointName ?? event.endpointId ?? 'the endpoint'}${event.threatName ? ` — ${event.threatName}` : ''}. Relay event key ${event.eventKey}.`
