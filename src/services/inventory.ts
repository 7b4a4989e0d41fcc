import { metadataFor, type Cause } from '../domain/metadata.js'
import type { EventStore } from '../store/port.js'
import type { RegistryCommand, RegistryState } from '../domain/mappingRegistry.js'
import type { HealthCommand, HealthState } from '../domain/mappingHealth.js'
import type { BillingConfigCommand, BillingConfigState } from '../domain/billingConfig.js'
import type { TicketingConfigCommand, TicketingConfigState } from '../domain/ticketingConfig.js'
import type { TicketCommand, TicketState } from '../domain/ticket.js'
import type { FactData, TicketingConfiguration } from '../domain/facts.js'
import { newId } from '../domain/ids.js'
import { streams } from '../domain/streams.js'
import { integrationEventsProjection, isSuspended } from '../../projections/integrationEvents.js'
import { mappingsProjection } from '../../projections/mappings.js'
import type { GravityZoneClient } from '../platforms/gravityzone/client.js'
import type { HaloPsaClient } from '../platforms/halopsa/client.js'
import type { RecurringInvoice } from '../platforms/halopsa/schemas.js'
import { isPlatformError } from '../platforms/transport/errors.js'
import type { CommandHandler } from './commandHandler.js'
import type { ProjectionRunner } from './projectionRunner.js'
import { createMappingChecks } from './inventory/mappingChecks.js'
import { createBillingPrerequisites, invoiceFor } from './inventory/billingPrerequisites.js'
import { createTicketingCheck } from './inventory/ticketingCheck.js'
import { createClosedTicketPoll } from './inventory/closedTickets.js'
import { newTally } from './inventory/tally.js'
import type { AssetPoll, AssetPollReport } from './assets/poll.js'

/**
 * The inventory and configuration checks: both sides of every mapping (inventory/mappingChecks.ts),
 * the recurring invoices and items billing needs (inventory/billingPrerequisites.ts), the
 * ticketing configuration (inventory/ticketingCheck.ts) and tickets closed by a technician
 * (inventory/closedTickets.ts). This file is the run that drives them: lists are fetched in bulk
 * (pages, not one call per mapping), a platform that does not answer is reported and its checks
 * skipped, and a poll that sees what the last one saw appends nothing.
 */

type InventoryDeps = {
  store: EventStore
  runner: ProjectionRunner
  handlers: {
    registry: CommandHandler<RegistryCommand, RegistryState>
    health: CommandHandler<HealthCommand, HealthState>
    billingConfig: CommandHandler<BillingConfigCommand, BillingConfigState>
    ticketingConfig: CommandHandler<TicketingConfigCommand, TicketingConfigState>
    ticket: CommandHandler<TicketCommand, TicketState>
  }
  gravityzone: GravityZoneClient
  halopsa: HaloPsaClient
  ticketingConfiguration(): Promise<TicketingConfiguration | undefined>
  now?: () => Date
  /** Page size for HaloPSA's bulk lists (clients, recurring invoices). */
  pageSize?: number
  /** The poll's asset part (docs/assets.md#reading-the-directory). */
  assets?: AssetPoll
}

type SyncReport = {
  runId: string
  checked: { mappings: number; companies: number; clients: number; items: number; invoices: number; ticketing: boolean }
  changes: string[]
  calls: { gravityzone: number; halopsa: number }
  durationMs: number
  errors: string[]
  assets?: AssetPollReport
}

export const createInventory = (deps: InventoryDeps) => {
  const now = deps.now ?? (() => new Date())
  const pageSize = deps.pageSize ?? 250
  const { handlers, runner, gravityzone, halopsa } = deps
  const mappings = () => [...runner.state(mappingsProjection).mappings.values()]
  const suspended = (id: string) => isSuspended(runner.state(integrationEventsProjection), id)
  const sides = createMappingChecks({ health: handlers.health, registry: handlers.registry, gravityzone, halopsa })
  const billing = createBillingPrerequisites({
    runner,
    health: handlers.health,
    registry: handlers.registry,
    billingConfig: handlers.billingConfig,
    halopsa
  })
  const ticketing = createTicketingCheck({
    halopsa,
    ticketingConfig: handlers.ticketingConfig,
    ticketingConfiguration: deps.ticketingConfiguration
  })
  const pollClosedTickets = createClosedTicketPoll({ runner, halopsa, ticket: handlers.ticket })

  return {
    ticketingProblems: ticketing.ticketingProblems,
    checkTicketingConfiguration: (cause: Cause) => ticketing.checkTicketingConfiguration(cause),
    checkMapping: sides.checkMapping,
    checkInvoice: billing.checkInvoice,
    checkItem: billing.checkItem,

    /** One poll over every mapping; appends only what changed. */
    async sync(actor: string, runId = newId()): Promise<SyncReport> {
      const started = Date.now()
      const cause: Cause = { actor, correlationId: runId }
      const gzBefore = deps.gravityzone.stats().transport.calls!
      const haloBefore = deps.halopsa.stats().calls
      const tally = newTally()
      const errors: string[] = []
      const attempt = async <T>(what: string, work: () => Promise<T>): Promise<T | undefined> => {
        try {
          return await work()
        } catch (error) {
          if (!isPlatformError(error)) throw error
          errors.push(`${what}: ${error.message}`)
          return undefined
        }
      }
      const all = mappings()
      const companies = await attempt(
        'GravityZone companies',
        async () => new Map((await deps.gravityzone.listAllCompanies()).map((c) => [c.id, c]))
      )
      const clients = await attempt(
        'HaloPSA clients',
        async () => new Map((await deps.halopsa.clients.all({ includeInactive: true, pageSize })).map((c) => [c.id, c]))
      )
      for (const m of all) {
        const company = companies ? companies.get(m.gravityzoneCompanyId) : undefined
        const client = clients ? clients.get(m.halopsaClientId) : undefined
        await sides.observe(
          m,
          companies ? { found: company !== undefined, ...(company ? { name: company.name } : {}) } : undefined,
          clients
            ? {
                found: client !== undefined && !client.inactive,
                inactive: client?.inactive === true,
                ...(client ? { name: client.name } : {})
              }
            : undefined,
          cause,
          tally
        )
        await sides.refreshNames(m, company?.name, client && !client.inactive ? client.name : undefined, cause, tally)
      }

      const assets = deps.assets ? await attempt('assets', () => deps.assets!(cause, tally)) : undefined
      errors.push(...(assets?.errors ?? []))

      // Billing prerequisites, for mappings whose services are not suspended.
      const billed = mappings().filter((m) => m.billing.enabled && !suspended(m.id))
      const items = await attempt('HaloPSA items', () => billing.existingItems(billed, pageSize))
      if (items) {
        await billing.observeGlobalItems((id) => items.has(id), cause, tally)
        for (const m of billed) await billing.observeCustomItems(m, (id) => items.has(id), cause, tally)
      }
      const invoices =
        billed.length > 0
          ? await attempt('HaloPSA recurring invoices', async () => {
              const byClient = new Map<number, RecurringInvoice[]>()
              for (const invoice of await deps.halopsa.recurringInvoices.all({ pageSize })) {
                if (invoice.clientId != null)
                  byClient.set(invoice.clientId, [...(byClient.get(invoice.clientId) ?? []), invoice])
              }
              return byClient
            })
          : new Map<number, RecurringInvoice[]>()
      if (invoices) {
        const globalItems = (await handlers.billingConfig.load(streams.billingConfig())).items
        for (const m of billed)
          await billing.observeInvoice(
            m,
            invoiceFor(m, invoices.get(m.halopsaClientId) ?? [], globalItems),
            cause,
            tally
          )
      }

      const ticketingChecked = await attempt('ticketing configuration', () =>
        ticketing.checkTicketingConfiguration(cause, tally)
      )
      await attempt('HaloPSA tickets', () => pollClosedTickets(cause, tally))

      const report: SyncReport = {
        runId,
        checked: {
          mappings: all.length,
          companies: companies?.size ?? 0,
          clients: clients?.size ?? 0,
          items: items?.size ?? 0,
          invoices: billed.length,
          ticketing: ticketingChecked?.checked ?? false
        },
        changes: tally.changes,
        calls: {
          gravityzone: deps.gravityzone.stats().transport.calls! - gzBefore,
          halopsa: deps.halopsa.stats().calls - haloBefore
        },
        durationMs: Date.now() - started,
        errors,
        ...(assets ? { assets } : {})
      }
      // A poll that changed nothing appends nothing (its figures are in the metrics and the answer).
      if (tally.changes.length > 0) {
        const recorded = await deps.store.append(streams.syncRun(), [
          {
            id: newId(),
            type: 'SyncRunCompleted',
            data: {
              runId,
              checked: report.checked,
              changes: tally.changes,
              calls: report.calls,
              durationMs: report.durationMs
            } satisfies FactData<'SyncRunCompleted'>,
            metadata: metadataFor(cause, now())
          }
        ])
        tally.positions.push(recorded.position)
      }
      if (tally.positions.length > 0)
        await deps.runner.waitForPosition(tally.positions.reduce((a, b) => (a > b ? a : b)))
      return report
    }
  }
}

export type Inventory = ReturnType<typeof createInventory>
