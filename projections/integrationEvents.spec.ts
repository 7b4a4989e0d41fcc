import t, { type Test } from 'tap'
import { factStream, foldAll } from '../test/support/given.js'
import type { StoredFact } from '../src/store/port.js'
import type { Fact, FactData } from '../src/domain/facts.js'
import {
  integrationEventsProjection as projection,
  isSuspended,
  mappingStatus,
  type IntegrationEvent,
  type IntegrationEventsState
} from './integrationEvents.js'

const COMPANY = 'a1b2c3d4e5f6a1b2c3d4e5f6'
const CLIENT = 101

const setup = () => {
  const f = factStream()
  const created = (mappingId = 'm1', overrides: Partial<FactData<'MappingCreated'>> = {}) =>
    f('MappingCreated', {
      mappingId,
      gravityzoneCompanyId: COMPANY,
      gravityzoneCompanyName: 'Acme Dental Group',
      halopsaClientId: CLIENT,
      halopsaClientName: 'Acme Dental',
      billing: { enabled: true, items: { endpointMonthlyUsage: 12 } },
      ticketing: { enabled: true },
      ...overrides
    })
  const ids = { mappingId: 'm1', gravityzoneCompanyId: COMPANY, halopsaClientId: CLIENT }
  return { f, created, ids }
}

const active = (s: IntegrationEventsState) => [...s.events.values()].filter((e) => e.status === 'active')
const ofType = (s: IntegrationEventsState, type: string) => [...s.events.values()].filter((e) => e.type === type)
const only = (t: Test, s: IntegrationEventsState, type: string): IntegrationEvent => {
  const list = ofType(s, type)
  t.equal(list.length, 1, `exactly one ${type} event`)
  return list[0]!
}

const when = (state: IntegrationEventsState, ...facts: (StoredFact & Fact)[]) => foldAll(projection, facts, state)

t.test('gravityzone-company-not-found', async (t) => {
  t.test('is raised when the mapped company is gone, with title, description and subject', async (t) => {
    const { f, created, ids } = setup()
    const notFound = f('CompanyNotFound', {
      ...ids,
      gravityzoneCompanyName: 'Acme Dental Group',
      halopsaClientName: 'Acme Dental'
    })
    const s = foldAll(projection, [created(), notFound])
    const e = only(t, s, 'gravityzone-company-not-found')
    t.equal(e.id, notFound.id, 'the event id is the id of the fact that raised it')
    t.match(e, { status: 'active', category: 'mapping', title: 'GravityZone company not found', actions: ['recheck'] })
    t.match(
      e.description,
      /The company "Acme Dental Group" cannot be found in GravityZone\. The mapping with the HaloPSA client "Acme Dental" is invalid/
    )
    t.match(e.recommendedAction, /select another available GravityZone company/)
    t.same(e.subject, {
      mappingId: 'm1',
      gravityzoneCompanyId: COMPANY,
      gravityzoneCompanyName: 'Acme Dental Group',
      halopsaClientId: CLIENT,
      halopsaClientName: 'Acme Dental'
    })
    t.same(s.counts.byCategory, { mapping: 1, billing: 0, ticketing: 0, connection: 0 })
    t.equal(s.counts.byType['gravityzone-company-not-found'], 1)
    t.ok(isSuspended(s, 'm1'), 'billing and ticketing of the mapping are suspended')
  })

  t.test('is not raised twice while active; the repeat is attached', async (t) => {
    const { f, created, ids } = setup()
    const s = foldAll(projection, [created(), f('CompanyNotFound', ids), f('CompanyNotFound', ids)])
    const e = only(t, s, 'gravityzone-company-not-found')
    t.same(
      e.facts.map((x) => x.type),
      ['CompanyNotFound', 'CompanyNotFound']
    )
    t.equal(s.counts.active, 1)
  })

  t.test('closes when a recheck finds the company', async (t) => {
    const { f, created, ids } = setup()
    const raised = f('CompanyNotFound', ids)
    let s = foldAll(projection, [created(), raised])
    const recheck = f(
      'RecheckRequested',
      { eventId: raised.id, eventType: 'gravityzone-company-not-found' },
      { actor: 'alice' }
    )
    s = when(
      s,
      recheck,
      f('CompanyFound', { mappingId: 'm1', gravityzoneCompanyId: COMPANY }, { causationId: recheck.id, actor: 'alice' })
    )
    const e = only(t, s, 'gravityzone-company-not-found')
    t.match(e, { status: 'closed', closedBy: { factType: 'CompanyFound', action: 'recheck', actor: 'alice' } })
    t.ok(e.closedAt)
    t.equal(s.counts.active, 0)
    t.equal(mappingStatus(s, 'm1'), 'ok', 'services resume')
  })

  t.test('closes when the mapping is edited to another company', async (t) => {
    const { f, created, ids } = setup()
    const s = foldAll(projection, [
      created(),
      f('CompanyNotFound', ids),
      f(
        'MappingUpdated',
        { mappingId: 'm1', changes: { gravityzoneCompanyId: 'ffffffffffffffffffffffff' } },
        { actor: 'alice' }
      )
    ])
    t.match(only(t, s, 'gravityzone-company-not-found'), {
      status: 'closed',
      closedBy: { factType: 'MappingUpdated', actor: 'alice' }
    })
  })

  t.test('closes when the mapping is deleted', async (t) => {
    const { f, created, ids } = setup()
    const s = foldAll(projection, [
      created(),
      f('CompanyNotFound', ids),
      f('MappingDeleted', { ...ids, reason: 'deleted' })
    ])
    t.match(only(t, s, 'gravityzone-company-not-found'), {
      status: 'closed',
      closedBy: { factType: 'MappingDeleted', reason: 'mapping deleted' }
    })
  })

  t.test('a new occurrence after closing is a new event with a new id', async (t) => {
    const { f, created, ids } = setup()
    const first = f('CompanyNotFound', ids)
    const second = f('CompanyNotFound', ids)
    const s = foldAll(projection, [
      created(),
      first,
      f('CompanyFound', { mappingId: 'm1', gravityzoneCompanyId: COMPANY }),
      second
    ])
    const list = ofType(s, 'gravityzone-company-not-found')
    t.same(
      list.map((e) => [e.id, e.status]),
      [
        [first.id, 'closed'],
        [second.id, 'active']
      ]
    )
  })
})

t.test('company-and-client-not-found', async (t) => {
  t.test('is raised instead of the two single events when both sides are gone', async (t) => {
    const { f, created, ids } = setup()
    const s = foldAll(projection, [created(), f('CompanyAndClientNotFound', ids)])
    const e = only(t, s, 'company-and-client-not-found')
    t.match(e, { status: 'active', title: 'Company & client not found', actions: ['resolve'] })
    t.match(e.description, /Click Resolve to delete the invalid mapping/)
    t.equal(ofType(s, 'gravityzone-company-not-found').length + ofType(s, 'halopsa-client-not-found').length, 0)
    t.equal(s.counts.active, 1)
  })

  t.test('supersedes a single-side event when the other side goes too, and is not raised twice', async (t) => {
    const { f, created, ids } = setup()
    const s = foldAll(projection, [
      created(),
      f('CompanyNotFound', ids),
      f('ClientDeleted', { ...ids, how: 'missing' }),
      f('CompanyAndClientNotFound', ids)
    ])
    t.match(only(t, s, 'gravityzone-company-not-found'), {
      status: 'closed',
      closedBy: { reason: 'superseded by company-and-client-not-found' }
    })
    const both = only(t, s, 'company-and-client-not-found')
    t.equal(both.status, 'active')
    t.same(
      both.facts.map((x) => x.type),
      ['ClientDeleted', 'CompanyAndClientNotFound']
    )
    t.equal(s.counts.active, 1)
  })

  t.test('closes when resolved (the mapping is deleted by the action)', async (t) => {
    const { f, created, ids } = setup()
    const raised = f('CompanyAndClientNotFound', ids)
    const s = foldAll(projection, [
      created(),
      raised,
      f('MappingDeleted', { ...ids, reason: 'resolved', eventId: raised.id }, { actor: 'alice' })
    ])
    t.match(only(t, s, 'company-and-client-not-found'), {
      status: 'closed',
      closedBy: { action: 'resolve', actor: 'alice', factType: 'MappingDeleted' }
    })
    t.equal(s.registry.mappings.size, 0)
  })

  t.test('closes when the mapping is deleted', async (t) => {
    const { f, created, ids } = setup()
    const s = foldAll(projection, [
      created(),
      f('CompanyAndClientNotFound', ids),
      f('MappingDeleted', { ...ids, reason: 'deleted' })
    ])
    t.match(only(t, s, 'company-and-client-not-found'), { status: 'closed', closedBy: { reason: 'mapping deleted' } })
  })

  t.test('a new occurrence after closing is a new event', async (t) => {
    const { f, created, ids } = setup()
    const first = f('CompanyAndClientNotFound', ids)
    const second = f('CompanyAndClientNotFound', { ...ids, mappingId: 'm2' })
    const s = foldAll(projection, [
      created(),
      first,
      f('MappingDeleted', { ...ids, reason: 'resolved', eventId: first.id }),
      created('m2'),
      second
    ])
    t.same(
      ofType(s, 'company-and-client-not-found').map((e) => [e.id, e.status]),
      [
        [first.id, 'closed'],
        [second.id, 'active']
      ]
    )
  })
})

t.test('halopsa-client-not-found', async (t) => {
  t.test('is raised when the mapped client is gone and the company exists', async (t) => {
    const { f, created, ids } = setup()
    const s = foldAll(projection, [
      created(),
      f('ClientDeleted', { ...ids, how: 'inactive', halopsaClientName: 'Acme Dental' })
    ])
    const e = only(t, s, 'halopsa-client-not-found')
    t.match(e, { status: 'active', category: 'mapping', title: 'HaloPSA client not found', actions: ['resolve'] })
    t.match(
      e.description,
      /HaloPSA client "Acme Dental" cannot be found in HaloPSA.*GravityZone company will be made available/
    )
    t.ok(isSuspended(s, 'm1'))
  })

  t.test('is not raised twice while active', async (t) => {
    const { f, created, ids } = setup()
    const s = foldAll(projection, [
      created(),
      f('ClientDeleted', { ...ids, how: 'missing' }),
      f('ClientDeleted', { ...ids, how: 'missing' })
    ])
    t.equal(only(t, s, 'halopsa-client-not-found').facts.length, 2)
  })

  t.test('closes when resolved, and the company becomes mappable again', async (t) => {
    const { f, created, ids } = setup()
    const raised = f('ClientDeleted', { ...ids, how: 'missing' })
    const s = foldAll(projection, [
      created(),
      raised,
      f('MappingDeleted', { ...ids, reason: 'resolved', eventId: raised.id })
    ])
    t.match(only(t, s, 'halopsa-client-not-found'), { status: 'closed', closedBy: { action: 'resolve' } })
    t.notOk(s.registry.byCompany.has(COMPANY))
  })

  t.test('closes when the mapping is deleted', async (t) => {
    const { f, created, ids } = setup()
    const s = foldAll(projection, [
      created(),
      f('ClientDeleted', { ...ids, how: 'missing' }),
      f('MappingDeleted', { ...ids, reason: 'deleted' })
    ])
    t.match(only(t, s, 'halopsa-client-not-found'), { status: 'closed', closedBy: { factType: 'MappingDeleted' } })
  })

  t.test('a new occurrence after closing is a new event', async (t) => {
    const { f, created, ids } = setup()
    const first = f('ClientDeleted', { ...ids, how: 'missing' })
    const second = f('ClientDeleted', { ...ids, how: 'missing' })
    const s = foldAll(projection, [
      created(),
      first,
      f('ClientFound', { mappingId: 'm1', halopsaClientId: CLIENT }),
      second
    ])
    t.same(
      ofType(s, 'halopsa-client-not-found').map((e) => [e.id, e.status]),
      [
        [first.id, 'closed'],
        [second.id, 'active']
      ]
    )
  })
})

t.test('recurring-invoice-missing', async (t) => {
  const invoice = {
    mappingId: 'm1',
    halopsaClientId: CLIENT,
    halopsaClientName: 'Acme Dental',
    recurringInvoiceId: -94
  }

  t.test('is raised when billing is on and the invoice is gone', async (t) => {
    const { f, created } = setup()
    const s = foldAll(projection, [created(), f('InvoiceMissing', invoice)])
    const e = only(t, s, 'recurring-invoice-missing')
    t.match(e, { status: 'active', category: 'billing', actions: ['recheck'] })
    t.match(e.description, /Recurring invoice for the HaloPSA client "Acme Dental" is missing/)
    t.match(e.recommendedAction, /Generate Recurring Invoice/)
    t.equal(mappingStatus(s, 'm1'), 'has-events', 'a billing event does not suspend the mapping')
  })

  t.test('is not raised for a mapping with billing off, nor twice', async (t) => {
    const { f, created } = setup()
    const off = foldAll(projection, [created('m1', { billing: { enabled: false } }), f('InvoiceMissing', invoice)])
    t.equal(ofType(off, 'recurring-invoice-missing').length, 0)
    const twice = foldAll(projection, [created(), f('InvoiceMissing', invoice), f('InvoiceMissing', invoice)])
    t.equal(only(t, twice, 'recurring-invoice-missing').facts.length, 2)
  })

  t.test('closes when a recheck finds it', async (t) => {
    const { f, created } = setup()
    const raised = f('InvoiceMissing', invoice)
    const recheck = f(
      'RecheckRequested',
      { eventId: raised.id, eventType: 'recurring-invoice-missing' },
      { actor: 'alice' }
    )
    const s = foldAll(projection, [
      created(),
      raised,
      recheck,
      f('InvoiceFound', { mappingId: 'm1', recurringInvoiceId: -94 }, { causationId: recheck.id })
    ])
    t.match(only(t, s, 'recurring-invoice-missing'), {
      status: 'closed',
      closedBy: { factType: 'InvoiceFound', action: 'recheck' }
    })
  })

  t.test('closes when an invoice is generated for the mapping', async (t) => {
    const { f, created } = setup()
    const s = foldAll(projection, [
      created(),
      f('InvoiceMissing', invoice),
      f(
        'RecurringInvoiceGenerated',
        { mappingId: 'm1', halopsaClientId: CLIENT, recurringInvoiceId: -120, name: 'Acme Dental' },
        { actor: 'alice' }
      )
    ])
    t.match(only(t, s, 'recurring-invoice-missing'), {
      status: 'closed',
      closedBy: { factType: 'RecurringInvoiceGenerated', actor: 'alice' }
    })
  })

  t.test('closes when the mapping is deleted or billing is switched off', async (t) => {
    const { f, created, ids } = setup()
    const deleted = foldAll(projection, [
      created(),
      f('InvoiceMissing', invoice),
      f('MappingDeleted', { ...ids, reason: 'deleted' })
    ])
    t.equal(only(t, deleted, 'recurring-invoice-missing').status, 'closed')
    const off = foldAll(projection, [
      created(),
      f('InvoiceMissing', invoice),
      f('MappingUpdated', { mappingId: 'm1', changes: { billing: { enabled: false } } })
    ])
    t.equal(only(t, off, 'recurring-invoice-missing').status, 'closed')
  })

  t.test('a new occurrence after closing is a new event', async (t) => {
    const { f, created } = setup()
    const first = f('InvoiceMissing', invoice)
    const second = f('InvoiceMissing', invoice)
    const s = foldAll(projection, [
      created(),
      first,
      f('InvoiceFound', { mappingId: 'm1', recurringInvoiceId: -94 }),
      second
    ])
    t.same(
      ofType(s, 'recurring-invoice-missing').map((e) => [e.id, e.status]),
      [
        [first.id, 'closed'],
        [second.id, 'active']
      ]
    )
  })
})

t.test('halopsa-item-missing', async (t) => {
  t.test('is raised for a missing item of the global billing configuration', async (t) => {
    const { f } = setup()
    const s = foldAll(projection, [
      f('BillingConfigured', { items: { endpointMonthlyUsage: 12, edrMonthlyUsage: 13 } }),
      f('ItemMissing', { itemId: 13, scope: 'global', counters: ['edrMonthlyUsage'] })
    ])
    const e = only(t, s, 'halopsa-item-missing')
    t.match(e, { status: 'active', category: 'billing', subject: { itemId: 13 }, actions: ['recheck'] })
    t.match(e.description, /mapped item #13 for the Billing service, global configuration, cannot be found/)
  })

  t.test("is raised for a missing item of a mapping's custom billing", async (t) => {
    const { f, created } = setup()
    const s = foldAll(projection, [
      created(),
      f('ItemMissing', { itemId: 12, scope: 'custom', mappingId: 'm1', counters: ['endpointMonthlyUsage'] })
    ])
    const e = only(t, s, 'halopsa-item-missing')
    t.match(e.subject, { mappingId: 'm1', itemId: 12, halopsaClientName: 'Acme Dental' })
    t.match(e.description, /custom configuration of the HaloPSA client "Acme Dental"/)
  })

  t.test('is not raised twice, nor for an item no configuration uses', async (t) => {
    const { f } = setup()
    const missing = () => f('ItemMissing', { itemId: 12, scope: 'global', counters: ['endpointMonthlyUsage'] })
    const s = foldAll(projection, [
      f('BillingConfigured', { items: { endpointMonthlyUsage: 12 } }),
      missing(),
      missing()
    ])
    t.equal(only(t, s, 'halopsa-item-missing').facts.length, 2)
    const unused = foldAll(projection, [f('BillingConfigured', { items: { endpointMonthlyUsage: 14 } }), missing()])
    t.equal(ofType(unused, 'halopsa-item-missing').length, 0)
  })

  t.test('closes when a recheck finds it', async (t) => {
    const { f } = setup()
    const raised = f('ItemMissing', { itemId: 12, scope: 'global', counters: ['endpointMonthlyUsage'] })
    const recheck = f('RecheckRequested', { eventId: raised.id, eventType: 'halopsa-item-missing' })
    const s = foldAll(projection, [
      f('BillingConfigured', { items: { endpointMonthlyUsage: 12 } }),
      raised,
      recheck,
      f('ItemFound', { itemId: 12, scope: 'global' }, { causationId: recheck.id })
    ])
    t.match(only(t, s, 'halopsa-item-missing'), {
      status: 'closed',
      closedBy: { factType: 'ItemFound', action: 'recheck' }
    })
  })

  t.test('closes when the global item mapping is changed', async (t) => {
    const { f } = setup()
    const s = foldAll(projection, [
      f('BillingConfigured', { items: { endpointMonthlyUsage: 12 } }),
      f('ItemMissing', { itemId: 12, scope: 'global', counters: ['endpointMonthlyUsage'] }),
      f('BillingConfigured', { items: { endpointMonthlyUsage: 15 } }, { actor: 'alice' })
    ])
    t.match(only(t, s, 'halopsa-item-missing'), {
      status: 'closed',
      closedBy: { factType: 'BillingConfigured', actor: 'alice' }
    })
  })

  t.test('closes when the custom item mapping is changed', async (t) => {
    const { f, created } = setup()
    const s = foldAll(projection, [
      created(),
      f('ItemMissing', { itemId: 12, scope: 'custom', mappingId: 'm1', counters: ['endpointMonthlyUsage'] }),
      f('MappingUpdated', {
        mappingId: 'm1',
        changes: { billing: { enabled: true, items: { endpointMonthlyUsage: 15 } } }
      })
    ])
    t.match(only(t, s, 'halopsa-item-missing'), { status: 'closed', closedBy: { factType: 'MappingUpdated' } })
  })

  t.test('a new occurrence after closing is a new event', async (t) => {
    const { f } = setup()
    const first = f('ItemMissing', { itemId: 12, scope: 'global', counters: ['endpointMonthlyUsage'] })
    const second = f('ItemMissing', { itemId: 12, scope: 'global', counters: ['endpointMonthlyUsage'] })
    const s = foldAll(projection, [
      f('BillingConfigured', { items: { endpointMonthlyUsage: 12 } }),
      first,
      f('ItemFound', { itemId: 12, scope: 'global' }),
      second
    ])
    t.same(
      ofType(s, 'halopsa-item-missing').map((e) => [e.id, e.status]),
      [
        [first.id, 'closed'],
        [second.id, 'active']
      ]
    )
  })
})

t.test('ticket-creation-failed', async (t) => {
  const failed = (key: string, cause: 'transient' | 'refused' | 'configuration' = 'transient') =>
    ({
      mappingId: 'm1',
      halopsaClientId: CLIENT,
      threatKey: `t-${key}`,
      securityEventKey: key,
      cause,
      status: 503,
      message: 'HaloPSA answered 503',
      attempts: 5
    }) as const

  t.test('is raised when HaloPSA fails to create a ticket after the retries', async (t) => {
    const { f, created } = setup()
    const s = foldAll(projection, [created(), f('TicketCreateFailed', failed('e1'))])
    const e = only(t, s, 'ticket-creation-failed')
    t.match(e, { status: 'active', category: 'ticketing', title: 'Ticketing creation issue', actions: ['acknowledge'] })
    t.match(
      e.description,
      /Ticket creation for the HaloPSA client "Acme Dental" has failed.*will not be recreated automatically/
    )
    t.equal(mappingStatus(s, 'm1'), 'has-events')
  })

  t.test('is not raised twice while active, and not at all for a configuration refusal', async (t) => {
    const { f, created } = setup()
    const s = foldAll(projection, [
      created(),
      f('TicketCreateFailed', failed('e1')),
      f('TicketCreateFailed', failed('e2', 'refused'))
    ])
    t.equal(only(t, s, 'ticket-creation-failed').facts.length, 2)
    const config = foldAll(projection, [created(), f('TicketCreateFailed', failed('e3', 'configuration'))])
    t.equal(ofType(config, 'ticket-creation-failed').length, 0)
  })

  t.test('closes when acknowledged', async (t) => {
    const { f, created } = setup()
    const raised = f('TicketCreateFailed', failed('e1'))
    const s = foldAll(projection, [
      created(),
      raised,
      f('EventAcknowledged', { eventId: raised.id, eventType: 'ticket-creation-failed' }, { actor: 'alice' })
    ])
    t.match(only(t, s, 'ticket-creation-failed'), {
      status: 'closed',
      closedBy: { action: 'acknowledge', actor: 'alice' }
    })
  })

  t.test('a new occurrence after acknowledging is a new event', async (t) => {
    const { f, created } = setup()
    const first = f('TicketCreateFailed', failed('e1'))
    const second = f('TicketCreateFailed', failed('e2'))
    const s = foldAll(projection, [
      created(),
      first,
      f('EventAcknowledged', { eventId: first.id, eventType: 'ticket-creation-failed' }),
      second
    ])
    t.same(
      ofType(s, 'ticket-creation-failed').map((e) => [e.id, e.status]),
      [
        [first.id, 'closed'],
        [second.id, 'active']
      ]
    )
  })
})

t.test('invalid-ticketing-configuration', async (t) => {
  const config = { ticketTypeId: 31, closedStatusName: 'Closed', autoCloseBlocked: true, modules: ['av'] }
  const problems = [{ field: 'ticketTypeId', message: 'ticket type 31 does not exist in HaloPSA' }]

  t.test('is raised when the configuration refers to things HaloPSA does not have', async (t) => {
    const { f, created } = setup()
    const s = foldAll(projection, [created(), f('TicketingConfigInvalid', { problems, mappingId: 'm1' })])
    const e = only(t, s, 'invalid-ticketing-configuration')
    t.match(e, {
      status: 'active',
      category: 'ticketing',
      actions: ['recheck'],
      subject: { mappingId: 'm1', halopsaClientName: 'Acme Dental' }
    })
    t.match(e.description, /could not be created due to an invalid ticketing configuration/)
  })

  t.test('is not raised twice while active', async (t) => {
    const { f } = setup()
    const s = foldAll(projection, [
      f('TicketingConfigInvalid', { problems }),
      f('TicketingConfigInvalid', { problems })
    ])
    t.equal(only(t, s, 'invalid-ticketing-configuration').facts.length, 2)
  })

  t.test('closes when a recheck finds the configuration valid', async (t) => {
    const { f } = setup()
    const raised = f('TicketingConfigInvalid', { problems })
    const recheck = f('RecheckRequested', { eventId: raised.id, eventType: 'invalid-ticketing-configuration' })
    const s = foldAll(projection, [
      raised,
      recheck,
      f('TicketingConfigValid', { checked: ['ticketTypeId'] }, { causationId: recheck.id })
    ])
    t.match(only(t, s, 'invalid-ticketing-configuration'), {
      status: 'closed',
      closedBy: { factType: 'TicketingConfigValid', action: 'recheck' }
    })
  })

  t.test('closes when the configuration is changed to a valid one, not to an unverified one', async (t) => {
    const { f } = setup()
    const unverified = foldAll(projection, [
      f('TicketingConfigInvalid', { problems }),
      f('TicketingConfigured', { ...config, verified: false })
    ])
    t.equal(only(t, unverified, 'invalid-ticketing-configuration').status, 'active')
    const verified = foldAll(projection, [
      f('TicketingConfigInvalid', { problems }),
      f('TicketingConfigured', { ...config, verified: true }, { actor: 'alice' })
    ])
    t.match(only(t, verified, 'invalid-ticketing-configuration'), {
      status: 'closed',
      closedBy: { factType: 'TicketingConfigured', actor: 'alice' }
    })
  })

  t.test('a new occurrence after closing is a new event', async (t) => {
    const { f } = setup()
    const first = f('TicketingConfigInvalid', { problems })
    const second = f('TicketingConfigInvalid', { problems })
    const s = foldAll(projection, [first, f('TicketingConfigValid', { checked: [] }), second])
    t.same(
      ofType(s, 'invalid-ticketing-configuration').map((e) => [e.id, e.status]),
      [
        [first.id, 'closed'],
        [second.id, 'active']
      ]
    )
  })
})

t.test('ticket-closure-failed', async (t) => {
  const failed = (ticketId: number) => ({
    mappingId: 'm1',
    halopsaClientId: CLIENT,
    ticketId,
    threatKey: 'k',
    message: 'no status named "Closed"'
  })

  t.test('is raised when auto-close cannot close a ticket', async (t) => {
    const { f, created } = setup()
    const s = foldAll(projection, [created(), f('TicketCloseFailed', failed(4242))])
    const e = only(t, s, 'ticket-closure-failed')
    t.match(e, {
      status: 'active',
      title: 'Ticketing closure failure',
      actions: ['acknowledge'],
      subject: { ticketId: 4242, mappingId: 'm1' }
    })
    t.match(e.description, /Ticket #4242 closure for HaloPSA client "Acme Dental" has failed/)
    t.match(e.recommendedAction, /"Closed" ticket status was not found/)
  })

  t.test('is not raised twice for the same ticket; another ticket is another event', async (t) => {
    const { f, created } = setup()
    const s = foldAll(projection, [
      created(),
      f('TicketCloseFailed', failed(4242)),
      f('TicketCloseFailed', failed(4242)),
      f('TicketCloseFailed', failed(4243))
    ])
    t.same(
      ofType(s, 'ticket-closure-failed').map((e) => e.subject.ticketId),
      [4242, 4243]
    )
    t.equal(s.counts.byType['ticket-closure-failed'], 2)
  })

  t.test('closes when acknowledged', async (t) => {
    const { f, created } = setup()
    const raised = f('TicketCloseFailed', failed(4242))
    const s = foldAll(projection, [
      created(),
      raised,
      f('EventAcknowledged', { eventId: raised.id, eventType: 'ticket-closure-failed' })
    ])
    t.match(only(t, s, 'ticket-closure-failed'), { status: 'closed', closedBy: { action: 'acknowledge' } })
  })

  t.test('a new occurrence after acknowledging is a new event', async (t) => {
    const { f, created } = setup()
    const first = f('TicketCloseFailed', failed(4242))
    const second = f('TicketCloseFailed', failed(4242))
    const s = foldAll(projection, [
      created(),
      first,
      f('EventAcknowledged', { eventId: first.id, eventType: 'ticket-closure-failed' }),
      second
    ])
    t.same(
      ofType(s, 'ticket-closure-failed').map((e) => [e.id, e.status]),
      [
        [first.id, 'closed'],
        [second.id, 'active']
      ]
    )
  })
})

t.test('counts are kept incrementally across raises and closes', async (t) => {
  const { f, created, ids } = setup()
  const raised = f('TicketCreateFailed', {
    mappingId: 'm1',
    halopsaClientId: CLIENT,
    threatKey: 'k',
    securityEventKey: 'e',
    cause: 'refused',
    message: 'no',
    attempts: 1
  })
  let s = foldAll(projection, [
    created(),
    f('CompanyNotFound', ids),
    f('InvoiceMissing', { mappingId: 'm1', halopsaClientId: CLIENT }),
    raised
  ])
  t.same(s.counts.byCategory, { mapping: 1, billing: 1, ticketing: 1, connection: 0 })
  t.equal(s.counts.active, 3)
  s = when(s, f('EventAcknowledged', { eventId: raised.id, eventType: 'ticket-creation-failed' }))
  t.same(s.counts.byCategory, { mapping: 1, billing: 1, ticketing: 0, connection: 0 })
  t.equal(s.counts.active, active(s).length)
  s = when(s, f('MappingDeleted', { ...ids, reason: 'deleted' }))
  t.equal(s.counts.active, 0)
  t.same(Object.values(s.counts.byType), [0, 0, 0, 0, 0, 0, 0, 0, 0])
})

t.test('facts about unknown or deleted mappings raise nothing', async (t) => {
  const { f, ids } = setup()
  const s = foldAll(projection, [
    f('CompanyNotFound', ids),
    f('InvoiceMissing', { mappingId: 'm1', halopsaClientId: CLIENT }),
    f('TicketCloseFailed', { mappingId: 'm1', halopsaClientId: CLIENT, ticketId: 1, threatKey: 'k', message: 'x' })
  ])
  t.equal(s.events.size, 0)
})

t.test('acknowledging an event that does not support it changes nothing', async (t) => {
  const { f, created, ids } = setup()
  const raised = f('CompanyNotFound', ids)
  const s = foldAll(projection, [
    created(),
    raised,
    f('EventAcknowledged', { eventId: raised.id, eventType: 'gravityzone-company-not-found' })
  ])
  t.equal(only(t, s, 'gravityzone-company-not-found').status, 'active')
})
