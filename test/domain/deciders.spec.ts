import t from 'tap'
import type { Decider } from '../../src/domain/decider.js'
import { domainFact, type DomainFact } from '../../src/domain/facts.js'
import { foldDecider } from '../support/given.js'
import { mappingRegistry, type RegistryCommand, type RegistryState } from '../../src/domain/mappingRegistry.js'
import { mappingHealth } from '../../src/domain/mappingHealth.js'
import { eventActions, RECHECK_STALE_AFTER_MS } from '../../src/domain/eventActions.js'
import { billingConfig, itemMappingProblems } from '../../src/domain/billingConfig.js'
import { ticketingConfig } from '../../src/domain/ticketingConfig.js'

/** given(facts).when(command) → facts (test/support/given.ts has the then-form for new specs). */
const spec =
  <C, S>(decider: Decider<C, S>) =>
  (given: DomainFact[]) => ({
    when: (command: C) => decider.decide(command, foldDecider(decider, given))
  })
const types = (facts: DomainFact[]) => facts.map((f) => f.type)

const created = (mappingId: string, company: string, client: number) =>
  domainFact('MappingCreated', {
    mappingId,
    gravityzoneCompanyId: company,
    halopsaClientId: client,
    billing: { enabled: true },
    ticketing: { enabled: true }
  })
const registry = spec<RegistryCommand, RegistryState>(mappingRegistry)
const create = (mappingId: string, company: string, client: number): RegistryCommand => ({
  type: 'CreateMapping',
  data: created(mappingId, company, client).data
})

t.test('mapping registry keeps mappings 1:1 on both sides', async (t) => {
  t.same(types(registry([]).when(create('m1', 'c1', 1))), ['MappingCreated'])
  t.throws(() => registry([created('m1', 'c1', 1)]).when(create('m2', 'c1', 2)), { code: 'company_already_mapped' })
  t.throws(() => registry([created('m1', 'c1', 1)]).when(create('m2', 'c2', 1)), { code: 'client_already_mapped' })
  t.throws(() => registry([created('m1', 'c1', 1)]).when(create('m1', 'c3', 3)), { code: 'mapping_already_exists' })
  t.throws(
    () =>
      registry([created('m1', 'c1', 1), created('m2', 'c2', 2)]).when({
        type: 'UpdateMapping',
        data: { mappingId: 'm2', changes: { gravityzoneCompanyId: 'c1' } }
      }),
    { code: 'company_already_mapped' }
  )
  t.throws(
    () =>
      registry([created('m1', 'c1', 1), created('m2', 'c2', 2)]).when({
        type: 'UpdateMapping',
        data: { mappingId: 'm2', changes: { halopsaClientId: 1 } }
      }),
    { code: 'client_already_mapped' }
  )
})

t.test('a deleted mapping frees its company and client', async (t) => {
  const deleted: DomainFact = {
    type: 'MappingDeleted',
    data: { mappingId: 'm1', gravityzoneCompanyId: 'c1', halopsaClientId: 1, reason: 'deleted' }
  }
  t.same(types(registry([created('m1', 'c1', 1), deleted]).when(create('m2', 'c1', 1))), ['MappingCreated'])
  t.throws(
    () =>
      registry([created('m1', 'c1', 1), deleted]).when({
        type: 'DeleteMapping',
        data: { mappingId: 'm1', reason: 'deleted' }
      }),
    { code: 'mapping_not_found' }
  )
})

t.test('an update records only what changed, and nothing when nothing did', async (t) => {
  const facts = registry([created('m1', 'c1', 1)]).when({
    type: 'UpdateMapping',
    data: { mappingId: 'm1', changes: { gravityzoneCompanyId: 'c1', ticketing: { enabled: false } } }
  })
  t.same(facts, [{ type: 'MappingUpdated', data: { mappingId: 'm1', changes: { ticketing: { enabled: false } } } }])
  t.same(
    registry([created('m1', 'c1', 1)]).when({
      type: 'UpdateMapping',
      data: { mappingId: 'm1', changes: { billing: { enabled: true } } }
    }),
    []
  )
  t.throws(() => registry([]).when({ type: 'UpdateMapping', data: { mappingId: 'nope', changes: {} } }), {
    code: 'mapping_not_found'
  })
})

t.test('mapping health appends only transitions', async (t) => {
  const health = spec(mappingHealth)
  const observe = (company: boolean | undefined, client: boolean | undefined) => ({
    type: 'ObserveInventory' as const,
    data: {
      mappingId: 'm1',
      companyId: 'c1',
      clientId: 1,
      ...(company === undefined ? {} : { company: { id: 'c1', found: company } }),
      ...(client === undefined ? {} : { client: { id: 1, found: client } })
    }
  })
  t.same(health([]).when(observe(true, true)), [], 'a healthy first observation appends nothing')
  t.same(types(health([]).when(observe(false, true))), ['CompanyNotFound'])
  t.same(types(health([]).when(observe(true, false))), ['ClientDeleted'])
  t.same(types(health([]).when(observe(false, false))), ['CompanyAndClientNotFound'])
  const companyGone = health([]).when(observe(false, true))
  t.same(health(companyGone).when(observe(false, true)), [], 'the same state again appends nothing')
  t.same(types(health(companyGone).when(observe(true, true))), ['CompanyFound'])
  t.same(types(health(companyGone).when(observe(false, false))), ['CompanyAndClientNotFound'])
  t.same(
    types(health(companyGone).when(observe(undefined, false))),
    ['CompanyAndClientNotFound'],
    'an unchecked side keeps what was known'
  )
  const bothGone = health([]).when(observe(false, false))
  t.same(types(health(bothGone).when(observe(false, true))), ['ClientFound'])
  t.same(types(health(bothGone).when(observe(true, true))), ['CompanyFound', 'ClientFound'])
  t.same(types(health([]).when({ type: 'ObserveInvoice', data: { mappingId: 'm1', clientId: 1, found: false } })), [
    'InvoiceMissing'
  ])
  const invoiceGone = health([]).when({ type: 'ObserveInvoice', data: { mappingId: 'm1', clientId: 1, found: false } })
  t.same(health(invoiceGone).when({ type: 'ObserveInvoice', data: { mappingId: 'm1', clientId: 1, found: false } }), [])
  t.same(
    types(
      health(invoiceGone).when({
        type: 'ObserveInvoice',
        data: { mappingId: 'm1', clientId: 1, found: true, recurringInvoiceId: -3 }
      })
    ),
    ['InvoiceFound']
  )
  const items = health([]).when({
    type: 'ObserveItems',
    data: { mappingId: 'm1', present: [12], missing: [{ itemId: 13, counters: ['edrMonthlyUsage'] }] }
  })
  t.same(items, [
    { type: 'ItemMissing', data: { itemId: 13, scope: 'custom', mappingId: 'm1', counters: ['edrMonthlyUsage'] } }
  ])
  t.same(
    types(health(items).when({ type: 'ObserveItems', data: { mappingId: 'm1', present: [12, 13], missing: [] } })),
    ['ItemFound']
  )
})

t.test('event actions refuse what is unsupported, closed, or already in progress', async (t) => {
  const actions = spec(eventActions)
  const now = new Date('2026-11-02T09:00:00Z')
  const active = { id: 'e1', type: 'ticket-creation-failed' as const, status: 'active' as const }
  t.same(types(actions([]).when({ type: 'Acknowledge', data: { event: active } })), ['EventAcknowledged'])
  t.throws(() => actions([]).when({ type: 'Acknowledge', data: { event: { ...active, status: 'closed' } } }), {
    code: 'event_closed'
  })
  t.throws(
    () =>
      actions([{ type: 'EventAcknowledged', data: { eventId: 'e1', eventType: 'ticket-creation-failed' } }]).when({
        type: 'Acknowledge',
        data: { event: active }
      }),
    { code: 'event_closed' }
  )
  t.throws(() => actions([]).when({ type: 'RequestRecheck', data: { event: active, now } }), {
    code: 'action_not_supported'
  })
  const recheckable = { id: 'e2', type: 'recurring-invoice-missing' as const, status: 'active' as const }
  t.throws(() => actions([]).when({ type: 'Acknowledge', data: { event: recheckable } }), {
    code: 'action_not_supported'
  })
  const requested: DomainFact = {
    type: 'RecheckRequested',
    data: { eventId: 'e2', eventType: 'recurring-invoice-missing' }
  }
  t.throws(() => actions([requested]).when({ type: 'RequestRecheck', data: { event: recheckable, now } }), {
    code: 'recheck_in_progress'
  })
  t.same(
    types(
      actions([requested]).when({
        type: 'RequestRecheck',
        data: { event: recheckable, now: new Date(now.getTime() + RECHECK_STALE_AFTER_MS + 1) }
      })
    ),
    ['RecheckRequested'],
    'a stale recheck no longer blocks'
  )
  const completed: DomainFact = {
    type: 'RecheckCompleted',
    data: { eventId: 'e2', eventType: 'recurring-invoice-missing', outcome: 'still-active' }
  }
  t.same(types(actions([requested, completed]).when({ type: 'RequestRecheck', data: { event: recheckable, now } })), [
    'RecheckRequested'
  ])
})

t.test('billing configuration appends changes and item transitions only, and spots double billing', async (t) => {
  const billing = spec(billingConfig)
  const configured: DomainFact = { type: 'BillingConfigured', data: { items: { endpointMonthlyUsage: 12 } } }
  t.same(billing([configured]).when({ type: 'ConfigureBilling', data: { items: { endpointMonthlyUsage: 12 } } }), [])
  t.same(
    types(
      billing([configured]).when({
        type: 'ObserveGlobalItems',
        data: { present: [], missing: [{ itemId: 12, counters: ['endpointMonthlyUsage'] }] }
      })
    ),
    ['ItemMissing']
  )
  t.same(itemMappingProblems({ endpointMonthlyUsage: 12, edrMonthlyUsage: 13 }), [])
  t.equal(itemMappingProblems({ endpointMonthlyUsage: 12, mspSecurePlusMonthlyUsage: 13 }).length, 1)
})

t.test('ticketing configuration validity appends transitions only', async (t) => {
  const ticketing = spec(ticketingConfig)
  const problems = [{ field: 'ticketTypeId', message: 'missing' }]
  t.same(
    types(ticketing([]).when({ type: 'ObserveTicketingValidity', data: { valid: false, problems, checked: [] } })),
    ['TicketingConfigInvalid']
  )
  t.same(ticketing([]).when({ type: 'ObserveTicketingValidity', data: { valid: true, problems: [], checked: [] } }), [])
  const invalid: DomainFact = { type: 'TicketingConfigInvalid', data: { problems } }
  t.same(
    ticketing([invalid]).when({ type: 'ObserveTicketingValidity', data: { valid: false, problems, checked: [] } }),
    []
  )
  t.same(
    types(
      ticketing([invalid]).when({
        type: 'ObserveTicketingValidity',
        data: { valid: true, problems: [], checked: ['ticketTypeId'] }
      })
    ),
    ['TicketingConfigValid']
  )
})
