import type { Decider } from './decider.js'
import { domainFact, type DomainFact, type Fact, type FactData } from './facts.js'

/**
 * What the relay last observed about one mapping's two sides, its recurring invoice and its
 * custom billing items. Observations are keyed by the observed id (a company, a client, an item),
 * and a command appends only transitions: a poll that sees what the last one saw appends nothing.
 * The integration-event projection keeps the same knowledge, keyed the same way.
 */

export type HealthState = {
  missingCompanies: Set<string>
  missingClients: Set<number>
  invoiceMissing: boolean
  /** While the invoice is missing because several are candidates: those (the event lists them). */
  invoiceCandidates?: FactData<'InvoiceMissing'>['candidates']
  missingItems: Set<number>
}

type Side<Id> = { id: Id; found: boolean; name?: string }

export type HealthCommand =
  | {
      type: 'ObserveInventory'
      data: {
        mappingId: string
        /** Omitted when the side was not checked (e.g. its platform did not answer). */
        company?: Side<string>
        client?: Side<number> & { inactive?: boolean }
        /** Names recorded in the facts (the mapping's known names when the side is gone). */
        companyName?: string
        clientName?: string
        /** The other side's id, carried into single-side facts for the event subject. */
        companyId: string
        clientId: number
      }
    }
  | {
      type: 'ObserveInvoice'
      data: {
        mappingId: string
        clientId: number
        clientName?: string
        found: boolean
        recurringInvoiceId?: number
        candidates?: FactData<'InvoiceMissing'>['candidates']
      }
    }
  | { type: 'RecordInvoiceGenerated'; data: FactData<'RecurringInvoiceGenerated'> }
  | { type: 'RecordInvoiceLinked'; data: FactData<'RecurringInvoiceLinked'> }
  | {
      type: 'ObserveItems'
      data: { mappingId: string; present: number[]; missing: { itemId: number; counters: string[] }[] }
    }

export const initialHealth = (): HealthState => ({
  missingCompanies: new Set(),
  missingClients: new Set(),
  invoiceMissing: false,
  missingItems: new Set()
})

export const evolveHealth = (state: HealthState, fact: Fact): HealthState => {
  switch (fact.type) {
    case 'CompanyNotFound':
      state.missingCompanies.add(fact.data.gravityzoneCompanyId)
      break
    case 'CompanyFound':
      state.missingCompanies.delete(fact.data.gravityzoneCompanyId)
      break
    case 'ClientDeleted':
      state.missingClients.add(fact.data.halopsaClientId)
      break
    case 'ClientFound':
      state.missingClients.delete(fact.data.halopsaClientId)
      break
    case 'CompanyAndClientNotFound': {
      const d = fact.data
      state.missingCompanies.add(d.gravityzoneCompanyId)
      state.missingClients.add(d.halopsaClientId)
      break
    }
    case 'InvoiceMissing':
      state.invoiceMissing = true
      if (fact.data.candidates) state.invoiceCandidates = fact.data.candidates
      else delete state.invoiceCandidates
      break
    case 'InvoiceFound':
    case 'RecurringInvoiceGenerated':
    case 'RecurringInvoiceLinked':
      state.invoiceMissing = false
      delete state.invoiceCandidates
      break
    case 'ItemMissing':
      state.missingItems.add(fact.data.itemId)
      break
    case 'ItemFound':
      state.missingItems.delete(fact.data.itemId)
      break
  }
  return state
}

const decideHealth = (command: HealthCommand, state: HealthState): DomainFact[] => {
  switch (command.type) {
    case 'ObserveInventory': {
      const d = command.data
      const names = {
        ...(d.companyName !== undefined ? { gravityzoneCompanyName: d.companyName } : {}),
        ...(d.clientName !== undefined ? { halopsaClientName: d.clientName } : {})
      }
      const wasCompanyMissing = state.missingCompanies.has(d.companyId)
      const wasClientMissing = state.missingClients.has(d.clientId)
      const companyMissing = d.company ? !d.company.found : wasCompanyMissing
      const clientMissing = d.client ? !d.client.found : wasClientMissing
      const ids = { mappingId: d.mappingId, gravityzoneCompanyId: d.companyId, halopsaClientId: d.clientId }
      if (companyMissing && clientMissing) {
        if (wasCompanyMissing && wasClientMissing) return []
        return [domainFact('CompanyAndClientNotFound', { ...ids, ...names })]
      }
      const facts: DomainFact[] = []
      if (companyMissing && !wasCompanyMissing) facts.push(domainFact('CompanyNotFound', { ...ids, ...names }))
      if (!companyMissing && wasCompanyMissing)
        facts.push(
          domainFact('CompanyFound', {
            mappingId: d.mappingId,
            gravityzoneCompanyId: d.companyId,
            ...(d.company?.name !== undefined ? { gravityzoneCompanyName: d.company.name } : {})
          })
        )
      if (clientMissing && !wasClientMissing)
        facts.push(domainFact('ClientDeleted', { ...ids, ...names, how: d.client?.inactive ? 'inactive' : 'missing' }))
      if (!clientMissing && wasClientMissing)
        facts.push(
          domainFact('ClientFound', {
            mappingId: d.mappingId,
            halopsaClientId: d.clientId,
            ...(d.client?.name !== undefined ? { halopsaClientName: d.client.name } : {})
          })
        )
      // Found facts first: a side coming back closes its event before the other side's opens.
      return facts.sort((a, b) => Number(b.type.endsWith('Found')) - Number(a.type.endsWith('Found')))
    }
    case 'ObserveInvoice': {
      const d = command.data
      if (!d.found && !state.invoiceMissing) {
        return [
          domainFact('InvoiceMissing', {
            mappingId: d.mappingId,
            halopsaClientId: d.clientId,
            ...(d.clientName !== undefined ? { halopsaClientName: d.clientName } : {}),
            ...(d.recurringInvoiceId !== undefined ? { recurringInvoiceId: d.recurringInvoiceId } : {}),
            ...(d.candidates ? { candidates: d.candidates } : {})
          })
        ]
      }
      if (d.found && state.invoiceMissing && d.recurringInvoiceId !== undefined) {
        return [domainFact('InvoiceFound', { mappingId: d.mappingId, recurringInvoiceId: d.recurringInvoiceId })]
      }
      return []
    }
    case 'RecordInvoiceGenerated':
      return [domainFact('RecurringInvoiceGenerated', command.data)]
    case 'RecordInvoiceLinked':
      return [domainFact('RecurringInvoiceLinked', command.data)]
    case 'ObserveItems': {
      const d = command.data
      const facts: DomainFact[] = []
      for (const itemId of d.present) {
        if (state.missingItems.has(itemId))
          facts.push(domainFact('ItemFound', { itemId, scope: 'custom', mappingId: d.mappingId }))
      }
      for (const { itemId, counters } of d.missing) {
        if (!state.missingItems.has(itemId))
          facts.push(domainFact('ItemMissing', { itemId, scope: 'custom', mappingId: d.mappingId, counters }))
      }
      return facts
    }
  }
}

export const mappingHealth: Decider<HealthCommand, HealthState> = {
  initialState: initialHealth,
  evolve: evolveHealth,
  decide: decideHealth
}
