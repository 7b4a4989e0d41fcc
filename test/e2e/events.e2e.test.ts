import t, { type Test } from 'tap'
import { customers, e2e, type E2E } from '../support/e2e.js'

/**
 * Each of the eight integration events, end to end: something changes on a simulated platform, the
 * relay notices (poll, push or ticket attempt), the event appears through the HTTP API with its
 * title, description and subject and is counted; then it is closed by every way it can close
 * (docs/integration-events.md#the-nine-events), and the audit trail tells the story in order.
 */

const [acme, birch, cobalt] = customers as [
  (typeof customers)[number],
  (typeof customers)[number],
  (typeof customers)[number]
]

const count = async (s: E2E) => (await s.api('GET', '/api/events/count')).body
const one = async (t: Test, s: E2E, type: string, status: 'active' | 'closed' = 'active') => {
  const list = await s.event(type, status)
  t.equal(list.length, 1, `one ${status} ${type}`)
  return list[0]
}
const auditTypes = async (s: E2E, query: string) =>
  (await s.api('GET', `/api/audit?limit=1000&${query}`)).body.items.map((f: { type: string }) => f.type)

const ticketingConfig = { ticketTypeId: 1, closedStatusName: 'Closed', autoCloseBlocked: false, modules: ['av', 'hd'] }

t.test('gravityzone-company-not-found', async (t) => {
  const s = await e2e(t)
  const m = await s.map(acme, { ticketing: true })
  const company = s.gravityzone.state.companies.get(acme.companyId)!
  s.gravityzone.state.companies.delete(acme.companyId)
  const report = await s.sync()
  t.ok(report.changes.includes('CompanyNotFound'))
  const e = await one(t, s, 'gravityzone-company-not-found')
  t.match(e, {
    title: 'GravityZone company not found',
    category: 'mapping',
    actions: ['recheck'],
    subject: {
      mappingId: m.id,
      gravityzoneCompanyId: acme.companyId,
      gravityzoneCompanyName: acme.name,
      halopsaClientId: acme.clientId,
      halopsaClientName: acme.name
    }
  })
  t.equal(
    e.description,
    `The company "${acme.name}" cannot be found in GravityZone. The mapping with the HaloPSA client "${acme.name}" is invalid, and the Billing and Ticketing services are suspended. Click Recheck to verify if the mapping association is still missing.`
  )
  t.match(await count(s), { active: 1, byCategory: { mapping: 1 }, byType: { 'gravityzone-company-not-found': 1 } })
  t.equal((await s.api('GET', `/api/mappings/${m.id}`)).body.status, 'suspended')
  t.same((await s.sync()).changes, [], 'a second poll of the same state appends nothing')

  // Recheck while still missing, then once the company is back.
  t.match((await s.api('POST', `/api/events/${e.id}/recheck`)).body, { status: 'active' })
  s.gravityzone.state.companies.create({ id: company.id, name: company.name, type: 1 })
  const rechecked = (await s.api('POST', `/api/events/${e.id}/recheck`)).body
  t.match(rechecked, { status: 'closed', closedBy: { action: 'recheck', actor: 'operator', factType: 'CompanyFound' } })
  t.equal((await count(s)).active, 0)
  t.same(await auditTypes(s, `mappingId=${m.id}`), [
    'MappingCreated',
    'CompanyNotFound',
    'RecheckRequested',
    'RecheckCompleted',
    'RecheckRequested',
    'CompanyFound',
    'RecheckCompleted'
  ])

  // Closed by editing the mapping to another company.
  s.gravityzone.state.companies.delete(acme.companyId)
  await s.sync()
  const second = await one(t, s, 'gravityzone-company-not-found')
  t.not(second.id, e.id, 'a new occurrence is a new event')
  const edited = await s.api('PATCH', `/api/mappings/${m.id}`, { gravityzoneCompanyId: birch.companyId })
  t.equal(edited.status, 200)
  t.match((await s.api('GET', `/api/events/${second.id}`)).body, {
    status: 'closed',
    closedBy: { factType: 'MappingUpdated' }
  })

  // Closed by deleting the mapping.
  s.gravityzone.state.companies.delete(birch.companyId)
  await s.sync()
  const third = await one(t, s, 'gravityzone-company-not-found')
  t.equal((await s.api('DELETE', `/api/mappings/${m.id}`)).status, 204)
  t.match((await s.api('GET', `/api/events/${third.id}`)).body, {
    status: 'closed',
    closedBy: { factType: 'MappingDeleted' }
  })
  t.equal((await count(s)).active, 0)
})

t.test('company-and-client-not-found', async (t) => {
  const s = await e2e(t)
  const m = await s.map(acme)
  const other = await s.map(birch)
  s.gravityzone.state.companies.delete(acme.companyId)
  s.halopsa.state.deleteClient(acme.clientId)
  s.gravityzone.state.companies.delete(birch.companyId)
  s.halopsa.state.deleteClient(birch.clientId)
  await s.sync()
  const events = await s.event('company-and-client-not-found', 'active')
  t.equal(events.length, 2, 'one per mapping, instead of the two single events')
  t.equal(
    (await s.event('gravityzone-company-not-found')).length + (await s.event('halopsa-client-not-found')).length,
    0
  )
  const e = events.find((x: { subject: { mappingId: string } }) => x.subject.mappingId === m.id)
  t.match(e, {
    title: 'Company & client not found',
    actions: ['resolve'],
    subject: { gravityzoneCompanyName: acme.name, halopsaClientName: acme.name }
  })
  t.match(
    e.description,
    /The mapped GravityZone company "Acme Dental Group" and HaloPSA client "Acme Dental Group" cannot be found\. Click Resolve to delete the invalid mapping\./
  )
  t.match(await count(s), { active: 2, byType: { 'company-and-client-not-found': 2 } })

  const resolved = (await s.api('POST', `/api/events/${e.id}/resolve`)).body
  t.match(resolved, { status: 'closed', closedBy: { action: 'resolve', factType: 'MappingDeleted' } })
  t.equal((await s.api('GET', `/api/mappings/${m.id}`)).status, 404, 'Resolve deleted the mapping')
  t.equal((await s.api('POST', `/api/events/${e.id}/resolve`)).status, 409, 'a closed event refuses the action')

  const otherEvent = events.find((x: { subject: { mappingId: string } }) => x.subject.mappingId === other.id)
  await s.api('DELETE', `/api/mappings/${other.id}`)
  t.match((await s.api('GET', `/api/events/${otherEvent.id}`)).body, {
    status: 'closed',
    closedBy: { factType: 'MappingDeleted', reason: 'mapping deleted' }
  })
  t.equal((await count(s)).active, 0)
  t.same(await auditTypes(s, `mappingId=${m.id}`), ['MappingCreated', 'CompanyAndClientNotFound', 'MappingDeleted'])
})

t.test('halopsa-client-not-found', async (t) => {
  const s = await e2e(t)
  const m = await s.map(acme)
  s.halopsa.state.updateClient(acme.clientId, { inactive: true })
  await s.sync()
  const e = await one(t, s, 'halopsa-client-not-found')
  t.match(e, {
    title: 'HaloPSA client not found',
    actions: ['resolve'],
    subject: { mappingId: m.id, halopsaClientId: acme.clientId }
  })
  t.match(
    e.description,
    /HaloPSA client "Acme Dental Group" cannot be found in HaloPSA\..*click Resolve\. This action will delete the current mapping and the GravityZone company will be made available for mapping to other HaloPSA clients\./
  )
  t.equal((await s.api('POST', `/api/events/${e.id}/recheck`)).status, 409, 'recheck is not an action of this event')
  t.match((await s.api('POST', `/api/events/${e.id}/resolve`)).body, {
    status: 'closed',
    closedBy: { action: 'resolve' }
  })
  const remapped = await s.api('POST', '/api/mappings', {
    gravityzoneCompanyId: acme.companyId,
    halopsaClientId: cobalt.clientId
  })
  t.equal(remapped.status, 201, 'the company is mappable again')

  s.halopsa.state.deleteClient(cobalt.clientId)
  await s.sync()
  const second = await one(t, s, 'halopsa-client-not-found')
  await s.api('DELETE', `/api/mappings/${remapped.body.id}`)
  t.match((await s.api('GET', `/api/events/${second.id}`)).body, {
    status: 'closed',
    closedBy: { factType: 'MappingDeleted' }
  })
})

t.test('recurring-invoice-missing', async (t) => {
  const s = await e2e(t)
  await s.api('PUT', '/api/config/billing', { items: { endpointMonthlyUsage: 12 } })
  const m = await s.map(acme, { billing: true })
  await s.sync()
  const linked = (await s.api('GET', `/api/mappings/${m.id}`)).body.billing.recurringInvoiceId
  t.ok(linked < 0, "the poll linked the client's recurring invoice (negative id)")
  s.halopsa.state.deleteRecurringInvoice(linked)
  await s.sync()
  const e = await one(t, s, 'recurring-invoice-missing')
  t.match(e, {
    title: 'Recurring invoice missing',
    category: 'billing',
    actions: ['recheck'],
    subject: { mappingId: m.id, halopsaClientName: acme.name }
  })
  t.equal(
    e.description,
    `Recurring invoice for the HaloPSA client "${acme.name}" is missing. Click Recheck to verify if the invoice is still missing.`
  )
  t.match(e.recommendedAction, /Generate Recurring Invoice/)
  t.match(await count(s), { active: 1, byCategory: { billing: 1 } })
  t.equal(
    (await s.api('GET', `/api/mappings/${m.id}`)).body.status,
    'has-events',
    'a billing event does not suspend the mapping'
  )
  const billing = (await s.api('POST', '/api/billing/run')).body
  t.match(billing, { billed: 0, skipped: 1 }, 'billing skips the mapping, and says so')

  // Closed by "Generate Recurring Invoice".
  const generated = await s.api('POST', `/api/mappings/${m.id}/recurring-invoice`)
  t.equal(generated.status, 200)
  t.not(generated.body.billing.recurringInvoiceId, linked)
  t.match((await s.api('GET', `/api/events/${e.id}`)).body, {
    status: 'closed',
    closedBy: { factType: 'RecurringInvoiceGenerated', actor: 'operator' }
  })

  // Closed by a recheck that finds an invoice someone created in HaloPSA.
  s.halopsa.state.deleteRecurringInvoice(generated.body.billing.recurringInvoiceId)
  await s.sync()
  const second = await one(t, s, 'recurring-invoice-missing')
  t.match((await s.api('POST', `/api/events/${second.id}/recheck`)).body, { status: 'active' })
  await s.relay.clients.halopsa.recurringInvoices.createForClient({ id: acme.clientId, name: acme.name })
  t.match((await s.api('POST', `/api/events/${second.id}/recheck`)).body, {
    status: 'closed',
    closedBy: { action: 'recheck', factType: 'InvoiceFound' }
  })
  t.equal((await count(s)).active, 0)
})

t.test('halopsa-item-missing', async (t) => {
  const s = await e2e(t)
  await s.api('PUT', '/api/config/billing', { items: { endpointMonthlyUsage: 12, edrMonthlyUsage: 13 } })
  const m = await s.map(acme, { billing: true })
  const item13 = { ...s.halopsa.state.data().items.rows.get(13)! }
  s.halopsa.state.deleteItem(13)
  await s.sync()
  const global = await one(t, s, 'halopsa-item-missing')
  t.match(global, { title: 'HaloPSA item missing', category: 'billing', actions: ['recheck'], subject: { itemId: 13 } })
  t.match(
    global.description,
    /mapped item #13 for the Billing service, global configuration, cannot be found in HaloPSA/
  )
  t.match(global.recommendedAction, /Configuration > Billing/)
  // Closed by a recheck once the item is back.
  t.match((await s.api('POST', `/api/events/${global.id}/recheck`)).body, { status: 'active' })
  s.halopsa.state.data().items.rows.set(13, item13)
  t.match((await s.api('POST', `/api/events/${global.id}/recheck`)).body, {
    status: 'closed',
    closedBy: { action: 'recheck', factType: 'ItemFound' }
  })
  // Closed by changing the item mapping.
  s.halopsa.state.deleteItem(13)
  await s.sync()
  const again = await one(t, s, 'halopsa-item-missing')
  t.equal(
    (await s.api('PUT', '/api/config/billing', { items: { endpointMonthlyUsage: 12, edrMonthlyUsage: 14 } })).status,
    200
  )
  t.match((await s.api('GET', `/api/events/${again.id}`)).body, {
    status: 'closed',
    closedBy: { factType: 'BillingConfigured' }
  })

  // A mapping's custom billing, closed by changing its item mapping.
  await s.api('PATCH', `/api/mappings/${m.id}`, { billing: { items: { endpointMonthlyUsage: 15 } } })
  s.halopsa.state.deleteItem(15)
  await s.sync()
  const custom = await one(t, s, 'halopsa-item-missing')
  t.match(custom.subject, { mappingId: m.id, itemId: 15, halopsaClientName: acme.name })
  t.match(custom.description, /custom configuration of the HaloPSA client "Acme Dental Group"/)
  await s.api('PATCH', `/api/mappings/${m.id}`, { billing: { items: { endpointMonthlyUsage: 12 } } })
  t.match((await s.api('GET', `/api/events/${custom.id}`)).body, {
    status: 'closed',
    closedBy: { factType: 'MappingUpdated' }
  })
  t.equal((await count(s)).active, 0)
})

t.test('ticket-creation-failed', async (t) => {
  const s = await e2e(t)
  const m = await s.map(acme, { ticketing: true })
  await s.api('PUT', '/api/config/ticketing', ticketingConfig)
  s.halopsa.faults.add({ match: 'POST /api/Tickets', status: 503 })
  const event = s.gravityzone.generate('av', acme.companyId, { variant: { blocked: false } })
  await s.gravityzone.push.send([{ event }])
  await s.settle()
  const e = await one(t, s, 'ticket-creation-failed')
  t.match(e, {
    title: 'Ticketing creation issue',
    category: 'ticketing',
    actions: ['acknowledge'],
    subject: { mappingId: m.id, halopsaClientName: acme.name }
  })
  t.equal(
    e.description,
    `Ticket creation for the HaloPSA client "${acme.name}" has failed. Review the related alerts in your GravityZone console for more information. After you fix the issue, the ticket will not be recreated automatically. Click OK to acknowledge this event.`
  )
  t.match(await count(s), { active: 1, byCategory: { ticketing: 1 } })
  const failed = (await s.api('GET', `/api/events/${e.id}`)).body.facts[0]
  t.match(failed.data, { cause: 'transient', status: 503 })
  t.ok(failed.data.attempts > 1, 'retried before giving up')

  s.halopsa.faults.clear()
  t.equal((await s.api('POST', `/api/events/${e.id}/recheck`)).status, 409)
  t.match((await s.api('POST', `/api/events/${e.id}/acknowledge`)).body, {
    status: 'closed',
    closedBy: { action: 'acknowledge', actor: 'operator' }
  })
  await s.sync()
  await s.settle()
  t.equal(s.halopsa.state.data().tickets.rows.size, 0, 'the ticket is not recreated')
  t.same(await auditTypes(s, 'type=SecurityEventReceived,TicketCreationStarted,TicketCreateFailed,EventAcknowledged'), [
    'SecurityEventReceived',
    'TicketCreationStarted',
    'TicketCreateFailed',
    'EventAcknowledged'
  ])
})

t.test('invalid-ticketing-configuration', async (t) => {
  const s = await e2e(t)
  const m = await s.map(acme, { ticketing: true })
  t.equal(
    (await s.api('PUT', '/api/config/ticketing', { ...ticketingConfig, ticketTypeId: 999 })).status,
    422,
    'a configuration HaloPSA would refuse is refused'
  )
  t.equal((await s.api('PUT', '/api/config/ticketing', ticketingConfig)).status, 200)
  s.halopsa.state.setMandatoryFields(1, ['category_1'])
  await s.gravityzone.push.send([{ event: s.gravityzone.generate('av', acme.companyId) }])
  await s.settle()
  const e = await one(t, s, 'invalid-ticketing-configuration')
  t.match(e, {
    title: 'Invalid ticketing configuration',
    actions: ['recheck'],
    subject: { mappingId: m.id, halopsaClientName: acme.name }
  })
  t.equal(
    e.description,
    `Ticket for the HaloPSA client "${acme.name}" could not be created due to an invalid ticketing configuration. Review the related alerts in your GravityZone console for more information. Click Recheck to verify the configuration.`
  )
  t.equal((await s.event('ticket-creation-failed')).length, 0, 'a configuration refusal is not a creation issue')
  t.match(await count(s), { active: 1, byType: { 'invalid-ticketing-configuration': 1 } })

  // HaloPSA publishes no mandatory flag on a ticket type's fields, so a recheck verifies what it can
  // (type, priority, statuses) and closes the event; if the type still demands the field, the next
  // ticket HaloPSA refuses raises it again.
  t.match((await s.api('POST', `/api/events/${e.id}/recheck`)).body, {
    status: 'closed',
    closedBy: { action: 'recheck', factType: 'TicketingConfigValid' }
  })
  await s.gravityzone.push.send([{ event: s.gravityzone.generate('hd', acme.companyId) }])
  await s.settle()
  const again = await one(t, s, 'invalid-ticketing-configuration')
  t.not(again.id, e.id, 'raised again by the next refusal')

  // Closed by changing the configuration to a valid one.
  t.equal((await s.api('PUT', '/api/config/ticketing', { ...ticketingConfig, ticketTypeId: 3 })).status, 200)
  t.match((await s.api('GET', `/api/events/${again.id}`)).body, {
    status: 'closed',
    closedBy: { factType: 'TicketingConfigured' }
  })
  t.equal((await count(s)).active, 0)
})

t.test('ticket-closure-failed', async (t) => {
  const s = await e2e(t)
  const m = await s.map(acme, { ticketing: true })
  await s.api('PUT', '/api/config/ticketing', { ...ticketingConfig, autoCloseBlocked: true })
  s.halopsa.state.removeStatus(9)
  await s.gravityzone.push.send([
    { event: s.gravityzone.generate('av', acme.companyId, { variant: { blocked: true } }) }
  ])
  await s.settle()
  const e = await one(t, s, 'ticket-closure-failed')
  const ticket = [...s.halopsa.state.data().tickets.rows.values()][0]!
  t.match(e, {
    title: 'Ticketing closure failure',
    actions: ['acknowledge'],
    subject: { mappingId: m.id, ticketId: ticket.id, halopsaClientName: acme.name }
  })
  t.equal(
    e.description,
    `Ticket #${ticket.id} closure for HaloPSA client "${acme.name}" has failed. You can review the related ticket in your HaloPSA console for more information. After the issue is resolved, the ticket will not be closed automatically. Click OK to acknowledge this event.`
  )
  t.match(e.recommendedAction, /"Closed" ticket status was not found/)
  t.match(await count(s), { active: 1, byType: { 'ticket-closure-failed': 1 } })
  t.match((await s.api('POST', `/api/events/${e.id}/acknowledge`)).body, {
    status: 'closed',
    closedBy: { action: 'acknowledge' }
  })
  s.halopsa.state.addStatus({ id: 9, name: 'Closed' })
  await s.sync()
  await s.settle()
  t.notOk(s.halopsa.state.data().tickets.rows.get(ticket.id as number)!.hasbeenclosed, 'the ticket is not closed later')
  t.same(await auditTypes(s, 'type=TicketCreated,TicketCloseFailed,EventAcknowledged,TicketClosed'), [
    'TicketCreated',
    'TicketCloseFailed',
    'EventAcknowledged'
  ])
})

t.test('recheck events: every active event that supports recheck, with a result each', async (t) => {
  const s = await e2e(t)
  await s.api('PUT', '/api/config/billing', { items: { endpointMonthlyUsage: 12 } })
  await s.map(acme, { billing: true })
  await s.map(birch)
  s.gravityzone.state.companies.delete(birch.companyId)
  s.halopsa.state.deleteItem(12)
  await s.sync()
  const active = (await s.api('GET', '/api/events')).body.items
  t.same(active.map((e: { type: string }) => e.type).sort(), ['gravityzone-company-not-found', 'halopsa-item-missing'])
  s.gravityzone.state.companies.create({ id: birch.companyId, name: birch.name, type: 1 })
  const results = (await s.api('POST', '/api/events/recheck')).body.results
  t.same(results.map((r: { type: string; outcome: string }) => [r.type, r.outcome]).sort(), [
    ['gravityzone-company-not-found', 'closed'],
    ['halopsa-item-missing', 'still-active']
  ])
  t.equal((await count(s)).active, 1)
})
