// What an integration event's facts say, in words: the cause (HaloPSA's message and status, the
// call, the module, threat and endpoint, when), the way it closed, and the link or button that
// carries out its recommended action. Read from the facts behind the event (GET /api/events/:id),
// and, for a ticket failure, the security event it was about (found in the audit just before it).

import { api, query } from './api.js'
import { platformLabels, securityModules } from './catalogue.js'
import { h, time } from './dom.js'
import { hashFor, mappingHref } from './router.js'

const moduleLabel = (id) => securityModules.find((m) => m.id === id)?.label ?? id

const ticketCauses = {
  transient: 'HaloPSA kept failing after the retries',
  refused: 'HaloPSA refused the ticket',
  configuration: 'HaloPSA refused the ticket because of the ticketing configuration',
  unconfirmed: 'the relay could not confirm whether HaloPSA created the ticket, so it did not create a second one'
}

const lastOf = (event, types) => [...(event.facts ?? [])].reverse().find((f) => types.includes(f.type))

/**
 * The security event a ticket fact was about: the SecurityEventReceived with its key, among the
 * facts recorded just before it (the audit's `before` bounds the scan).
 */
const securityEventBefore = async (fact) => {
  const key = fact.data?.securityEventKey
  if (!key) return null
  const before = BigInt(fact.position)
  const after = before > 5000n ? String(before - 5000n) : undefined
  const page = await api.get(
    `/api/audit${query({ type: 'SecurityEventReceived', before: fact.position, after, limit: 1000 })}`
  )
  return [...page.items].reverse().find((f) => f.data?.eventKey === key) ?? null
}

/** [term, value] rows of the cause, most telling first; empty when the facts say nothing more. */
export const causeRows = async (event) => {
  const rows = []
  const failed = lastOf(event, ['TicketCreateFailed', 'TicketNoteFailed', 'TicketCloseFailed'])
  if (failed) {
    const d = failed.data
    if (d.cause) rows.push(['What happened', ticketCauses[d.cause] ?? d.cause])
    rows.push(["HaloPSA's answer", `${d.message}${d.status ? ` (HTTP ${d.status})` : ''}`])
    if (d.attempts) rows.push(['Attempts', String(d.attempts)])
    rows.push(['When', time(failed.recordedAt, { seconds: true })])
    const security = await securityEventBefore(failed).catch(() => null)
    if (security) {
      const s = security.data
      rows.push(['Module', moduleLabel(s.module)])
      if (s.threatName) rows.push(['Threat', s.threatName])
      if (s.endpointName) rows.push(['Endpoint', s.endpointName])
      if (s.occurredAt) rows.push(['Detected', time(s.occurredAt, { seconds: true })])
    }
  }
  const invalid = lastOf(event, ['TicketingConfigInvalid'])
  if (invalid)
    for (const p of invalid.data.problems ?? []) rows.push([p.field ? `Setting ${p.field}` : 'Problem', p.message])
  const down = lastOf(event, ['PlatformUnreachable'])
  if (down) {
    const d = down.data
    rows.push(['Platform', platformLabels[d.platform] ?? d.platform])
    rows.push(['Last failure', `${d.lastError.message} (${d.lastError.kind})`])
    rows.push(['Failing since', time(d.since, { seconds: true })])
  }
  const missing = lastOf(event, ['InvoiceMissing'])
  if (missing)
    rows.push([
      'Recurring invoice',
      missing.data.recurringInvoiceId !== undefined
        ? `#${missing.data.recurringInvoiceId} is no longer in HaloPSA`
        : 'none has been generated for this client'
    ])
  const item = lastOf(event, ['ItemMissing'])
  if (item)
    rows.push([
      'Missing item',
      `#${item.data.itemId}, billed for ${item.data.counters.join(', ')} (${item.data.scope} billing)`
    ])
  const gone = lastOf(event, ['ClientDeleted'])
  if (gone?.data.how === 'inactive') rows.push(['HaloPSA client', 'marked inactive in HaloPSA'])
  const recheck = lastOf(event, ['RecheckCompleted'])
  if (recheck?.data.message) rows.push(['Last recheck', `${recheck.data.message} (${recheck.data.outcome})`])
  return rows
}

const closedByFact = {
  RecurringInvoiceGenerated: 'the recurring invoice was generated',
  InvoiceFound: 'the recurring invoice is in HaloPSA again',
  CompanyFound: 'the GravityZone company is found again',
  ClientFound: 'the HaloPSA client is found again',
  ItemFound: 'the HaloPSA item is found again',
  TicketingConfigValid: 'the ticketing configuration is valid',
  TicketingConfigured: 'the ticketing configuration was changed',
  BillingConfigured: 'the billing configuration was changed',
  MappingDeleted: 'the mapping was deleted',
  MappingUpdated: 'the mapping was changed',
  TicketClosed: 'the ticket was closed'
}
const actionWords = { acknowledge: 'OK', resolve: 'Resolve (the mapping was deleted)', recheck: 'Recheck' }

/** "Closed by alice: OK", "Closed: the recurring invoice was generated", "Closed: HaloPSA is reachable again". */
export const closedText = (event) => {
  const c = event.closedBy
  if (!c) return 'Closed'
  if (c.action) return `Closed by ${c.actor}: ${actionWords[c.action] ?? c.action}`
  if (c.factType === 'PlatformRecovered')
    return `Closed: ${platformLabels[event.subject.platform] ?? 'the platform'} is reachable again`
  const why = closedByFact[c.factType] ?? c.reason ?? `the fact ${c.factType} was recorded`
  return c.actor && !['scheduler', 'system', 'relay'].includes(c.actor)
    ? `Closed by ${c.actor}: ${why}`
    : `Closed: ${why}`
}

/**
 * The controls of the recommended action: links to where it is done, and for a missing recurring
 * invoice the Generate button itself. `mappingExists` is false once the mapping is deleted.
 */
export const recommendedControls = (event, { mappingExists, generate }) => {
  if (event.status !== 'active') return []
  const mappingId = event.subject.mappingId
  const openMapping =
    mappingId && mappingExists ? h('a', { class: 'button', href: mappingHref(mappingId) }, 'Open the mapping') : null
  const configuration = (text) => h('a', { class: 'button', href: hashFor('/configuration') }, text)
  switch (event.type) {
    case 'recurring-invoice-missing':
      return [
        mappingExists
          ? h(
              'button',
              { type: 'button', class: 'button button-primary', 'data-operate': '', onClick: generate },
              'Generate recurring invoice'
            )
          : null,
        openMapping
      ]
    case 'gravityzone-company-not-found':
      return [openMapping]
    case 'halopsa-item-missing':
      return [mappingId ? openMapping : configuration('Edit billing configuration')]
    case 'invalid-ticketing-configuration':
    case 'ticket-closure-failed':
      return [configuration('Edit ticketing configuration')]
    default:
      return []
  }
}
