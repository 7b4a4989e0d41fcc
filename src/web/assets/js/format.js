// How events, mappings and facts read on screen.

import { badge, h } from './dom.js'
import { categories, mappingStatuses, platformLabels } from './catalogue.js'

export const categoryLabel = (id) => categories.find((c) => c.id === id)?.label ?? id

export const eventStatusBadge = (status) => (status === 'active' ? badge('Active', 'warn') : badge('Closed', 'neutral'))

export const mappingStatusBadge = (status) => {
  const known = mappingStatuses[status] ?? { label: status, tone: 'neutral' }
  return badge(known.label, known.tone)
}

/** "Acme Dental Group" with its id beneath, or the id alone. */
export const named = (name, id) =>
  name
    ? h('span', { class: 'named' }, h('span', {}, name), h('span', { class: 'id' }, String(id)))
    : h('span', { class: 'named' }, h('span', { class: 'id id-only' }, id === undefined ? '—' : String(id)))

export const companyName = (s) => named(s.gravityzoneCompanyName, s.gravityzoneCompanyId)
export const clientName = (s) =>
  named(s.halopsaClientName, s.halopsaClientId === undefined ? undefined : `#${s.halopsaClientId}`)

const subjectLine = (key, text) =>
  h('div', { class: 'subject-line' }, h('span', { class: 'subject-key' }, key), ' ', text)

/** An event's subject in a table cell: one line per thing it is about. */
export const subjectCell = (s) => {
  const lines = []
  const hasCompany = s.gravityzoneCompanyId !== undefined || Boolean(s.gravityzoneCompanyName)
  const hasClient = s.halopsaClientId !== undefined || Boolean(s.halopsaClientName)
  if (s.gravityzoneCompanyName && s.gravityzoneCompanyName === s.halopsaClientName) {
    // The usual case: the customer has one name on both platforms.
    lines.push(
      h('div', { class: 'subject-line' }, s.halopsaClientName),
      h('div', { class: 'subject-line muted small' }, `GravityZone company · HaloPSA client #${s.halopsaClientId}`)
    )
  } else {
    if (hasCompany) lines.push(subjectLine('GravityZone', s.gravityzoneCompanyName ?? s.gravityzoneCompanyId))
    if (hasClient) lines.push(subjectLine('HaloPSA', s.halopsaClientName ?? `client #${s.halopsaClientId}`))
  }
  if (s.itemId !== undefined) lines.push(subjectLine('Item', `#${s.itemId}${s.mappingId ? '' : ' (global billing)'}`))
  if (s.ticketId !== undefined) lines.push(subjectLine('Ticket', `#${s.ticketId}`))
  if (s.platform !== undefined) lines.push(subjectLine('Platform', platformLabels[s.platform] ?? s.platform))
  if (lines.length === 0) lines.push(h('div', { class: 'subject-line muted' }, 'Global configuration'))
  return lines
}

/** A plain-text name for an event, for link labels and announcements. */
export const subjectText = (subject) =>
  [
    subject.halopsaClientName ?? subject.gravityzoneCompanyName,
    subject.itemId !== undefined ? `item #${subject.itemId}` : null,
    subject.ticketId !== undefined ? `ticket #${subject.ticketId}` : null,
    subject.platform !== undefined ? (platformLabels[subject.platform] ?? subject.platform) : null
  ]
    .filter(Boolean)
    .join(', ') || 'global configuration'

/** How a run of the checks ended (POST /api/sync/run, GET /api/jobs/:runId); null: still running. */
export const jobRunText = (run) => {
  if (!run) return 'The checks are still running; their outcome will show in the events.'
  if (run.status === 'succeeded') return `Checks done: ${run.result?.changes?.length ?? 0} changes recorded.`
  if (run.status === 'skipped') return `The checks were skipped: ${run.reason}.`
  return `The checks did not finish: ${(run.errors ?? [run.error]).join('; ')}.`
}
