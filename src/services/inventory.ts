import { metadataFor, type Cause } from '../domain/metadata.js'
import type { EventStore } from '../store/port.js'
import type { Mapping, RegistryCommand, RegistryState } from '../domain/mappingRegistry.js'
import type { HealthCommand, HealthState } from '../domain/mappingHealth.js'
import type { BillingConfigCommand, BillingConfigState } from '../domain/billingConfig.js'
import type { TicketingConfigCommand, TicketingConfigState } from '../domain/ticketingConfig.js'
import type { TicketCommand, TicketState } from '../domain/ticket.js'
import type { FactData, TicketingConfiguration } from '../domain/facts.js'
import { newId } from '../domain/ids.js'
import { streams } from '../domain/streams.js'
import { integrationEventsProjection, isSuspended } from '../../projections/integrationEvents.js'
import { mappingsProjection } from '../../projections/mappings.js'
import { openTickets, ticketsProjection } from '../../projections/tickets.js'
import type { GravityZoneClient } from '../platforms/gravityzone/client.js'
import type { HaloPsaClient } from '../platforms/halopsa/client.js'
import type { RecurringInvoice } from '../platforms/halopsa/schemas.js'
import { isPlatformError } from '../platforms/transport/errors.js'
import type { CommandHandler } from './commandHandler.js'
import type { ProjectionRunner } from './projectionRunner.js'
import type { Problem } from './configuration.js'
import { securityModules } from '../platforms/gravityzone/modules.js'

/**
 * The inventory and configuration checks (issue 6): both sides of every mapping, the recurring
 * invoices and items billing needs, the ticketing configuration, and tickets closed by a
 * technician. Lists are fetched in bulk (pages, not one call per mapping), and every observation
 * goes through a decider that appends only transitions: a poll that sees what the last one saw
 * appends nothing.
 */

export type InventoryDeps = {
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
}

export type SyncReport = {
  runId: string
  checked: { mappings: number; companies: number; clients: number; items: number; invoices: number; ticketing: boolean }
  changes: string[]
  calls: { gravityzone: number; halopsa: number }
  durationMs: number
  errors: string[]
}

/**
 * The recurring invoice a mapping bills to: the one it is linked to, or — when that one is gone or
 * none is linked yet — the client's first active one (which then becomes the linked one).
 */
export const invoiceFor = (m: Mapping, invoices: RecurringInvoice[]): RecurringInvoice | undefined =>
  (m.billing.recurringInvoiceId !== undefined
    ? invoices.find((i) => i.id === m.billing.recurringInvoiceId)
    : undefined) ?? invoices.find((i) => !i.disabled)

/** Items an item mapping names, with the counters each bills. */
const itemsOf = (items: Record<string, number>) => {
  const byItem = new Map<number, string[]>()
  for (const [counter, itemId] of Object.entries(items)) byItem.set(itemId, [...(byItem.get(itemId) ?? []), counter])
  return byItem
}

export const createInventory = (deps: InventoryDeps) => {
  const now = deps.now ?? (() => new Date())
  const pageSize = deps.pageSize ?? 250
  const { handlers } = deps
  const mappings = () => [...deps.runner.state(mappingsProjection).mappings.values()]
  const suspended = (id: string) => isSuspended(deps.runner.state(integrationEventsProjection), id)

  /** Appends through a handler and reports what changed (fact types) and the last position. */
  const track =
    (changes: string[], positions: bigint[]) => (result: { facts: { type: string }[]; position: bigint | null }) => {
      for (const f of result.facts) changes.push(f.type)
      if (result.position !== null) positions.push(result.position)
    }

  const observeMapping = (
    m: Mapping,
    company: { found: boolean; name?: string } | undefined,
    client: { found: boolean; inactive?: boolean; name?: string } | undefined,
    cause: Cause
  ) =>
    handlers.health.handle(
      streams.mappingHealth(m.id),
      {
        type: 'ObserveInventory',
        data: {
          mappingId: m.id,
          companyId: m.gravityzoneCompanyId,
          clientId: m.halopsaClientId,
          ...(company ? { company: { id: m.gravityzoneCompanyId, ...company } } : {}),
          ...(client ? { client: { id: m.halopsaClientId, ...client } } : {}),
          ...(m.gravityzoneCompanyName !== undefined ? { companyName: m.gravityzoneCompanyName } : {}),
          ...(m.halopsaClientName !== undefined ? { clientName: m.halopsaClientName } : {})
        }
      },
      cause
    )

  /** Keeps the names the events show up to date when a company or client is renamed. */
  const refreshNames = async (
    m: Mapping,
    companyName: string | undefined,
    clientName: string | undefined,
    cause: Cause
  ) => {
    const changes: { gravityzoneCompanyName?: string; halopsaClientName?: string } = {}
    if (companyName !== undefined && companyName !== m.gravityzoneCompanyName)
      changes.gravityzoneCompanyName = companyName
    if (clientName !== undefined && clientName !== m.halopsaClientName) changes.halopsaClientName = clientName
    if (Object.keys(changes).length === 0) return { facts: [], position: null }
    return handlers.registry.handle(
      streams.mappingRegistry(),
      { type: 'UpdateMapping', data: { mappingId: m.id, changes } },
      cause
    )
  }

  const observeInvoice = async (
    m: Mapping,
    invoice: RecurringInvoice | undefined,
    cause: Cause,
    changes: string[],
    positions: bigint[]
  ) => {
    const record = track(changes, positions)
    record(
      await handlers.health.handle(
        streams.mappingHealth(m.id),
        {
          type: 'ObserveInvoice',
          data: {
            mappingId: m.id,
            clientId: m.halopsaClientId,
            ...(m.halopsaClientName !== undefined ? { clientName: m.halopsaClientName } : {}),
            found: invoice !== undefined,
            ...(invoice
              ? { recurringInvoiceId: invoice.id }
              : m.billing.recurringInvoiceId !== undefined
                ? { recurringInvoiceId: m.billing.recurringInvoiceId }
                : {})
          }
        },
        cause
      )
    )
    // An invoice found for a client whose mapping names none (or a deleted one) is linked to it.
    if (invoice && m.billing.recurringInvoiceId !== invoice.id) {
      record(
        await handlers.registry.handle(
          streams.mappingRegistry(),
          {
            type: 'UpdateMapping',
            data: { mappingId: m.id, changes: { billing: { ...m.billing, recurringInvoiceId: invoice.id } } }
          },
          cause
        )
      )
    }
  }

  const observeCustomItems = async (
    m: Mapping,
    existing: (id: number) => boolean,
    cause: Cause,
    changes: string[],
    positions: bigint[]
  ) => {
    if (!m.billing.items) return
    const byItem = itemsOf(m.billing.items)
    const present = [...byItem.keys()].filter(existing)
    const missing = [...byItem.entries()]
      .filter(([id]) => !existing(id))
      .map(([itemId, counters]) => ({ itemId, counters }))
    track(
      changes,
      positions
    )(
      await handlers.health.handle(
        streams.mappingHealth(m.id),
        { type: 'ObserveItems', data: { mappingId: m.id, present, missing } },
        cause
      )
    )
  }

  const observeGlobalItems = async (
    existing: (id: number) => boolean,
    cause: Cause,
    changes: string[],
    positions: bigint[]
  ) => {
    const config = await handlers.billingConfig.load(streams.billingConfig())
    const byItem = itemsOf(config.items)
    const present = [...byItem.keys()].filter(existing)
    const missing = [...byItem.entries()]
      .filter(([id]) => !existing(id))
      .map(([itemId, counters]) => ({ itemId, counters }))
    track(
      changes,
      positions
    )(
      await handlers.billingConfig.handle(
        streams.billingConfig(),
        { type: 'ObserveGlobalItems', data: { present, missing } },
        cause
      )
    )
  }

  /** What in a ticketing configuration HaloPSA does not have (also used when the configuration is changed). */
  const ticketingProblems = async (
    config: TicketingConfiguration
  ): Promise<{ problems: Problem[]; checked: string[] }> => {
    const problems: Problem[] = []
    const checked = ['ticketTypeId']
    const type = await deps.halopsa.ticketTypes.get(config.ticketTypeId)
    // Halo publishes no mandatory flag on a ticket type's fields: a refusal naming one raises the event instead.
    if (!type) problems.push({ field: 'ticketTypeId', message: `HaloPSA has no ticket type ${config.ticketTypeId}` })
    if (config.priorityId !== undefined) {
      checked.push('priorityId')
      if (!(await deps.halopsa.priorities.list()).some((p) => p.id === config.priorityId))
        problems.push({ field: 'priorityId', message: `HaloPSA has no priority ${config.priorityId}` })
    }
    const statuses = config.statusId !== undefined || config.autoCloseBlocked ? await deps.halopsa.statuses.list() : []
    if (config.statusId !== undefined) {
      checked.push('statusId')
      if (!statuses.some((s) => s.id === config.statusId))
        problems.push({ field: 'statusId', message: `HaloPSA has no status ${config.statusId}` })
    }
    if (config.autoCloseBlocked) {
      checked.push('closedStatusName')
      if (!statuses.some((s) => s.name.trim().toLowerCase() === config.closedStatusName.trim().toLowerCase())) {
        problems.push({
          field: 'closedStatusName',
          message: `HaloPSA has no ticket status named "${config.closedStatusName}" (needed to close tickets for blocked threats)`
        })
      }
    }
    const unknownModules = config.modules.filter((m) => !(securityModules as readonly string[]).includes(m))
    if (unknownModules.length > 0)
      problems.push({ field: 'modules', message: `not GravityZone security modules: ${unknownModules.join(', ')}` })
    return { problems, checked }
  }

  const checkTicketingConfiguration = async (cause: Cause, changes: string[] = [], positions: bigint[] = []) => {
    const config = await deps.ticketingConfiguration()
    if (!config) return { valid: true, checked: false, position: null as bigint | null }
    const { problems, checked } = await ticketingProblems(config)
    track(
      changes,
      positions
    )(
      await handlers.ticketingConfig.handle(
        streams.ticketingConfig(),
        {
          type: 'ObserveTicketingValidity',
          data: { valid: problems.length === 0, problems, checked }
        },
        cause
      )
    )
    return { valid: problems.length === 0, checked: true, position: positions.at(-1) ?? null }
  }

  /** Tickets the relay created that a technician has closed since (when a webhook was missed). */
  const pollClosedTickets = async (cause: Cause, changes: string[], positions: bigint[]) => {
    const open = openTickets(deps.runner.state(ticketsProjection))
    for (let i = 0; i < open.length; i += 100) {
      const chunk = open.slice(i, i + 100)
      // Confirmed closed by reading each candidate: list rows do not say whether a ticket is closed.
      const tickets = await deps.halopsa.tickets.closedAmong(chunk.map((t) => t.ticketId))
      for (const ticket of tickets) {
        const record = chunk.find((t) => t.ticketId === ticket.id)
        if (!record) continue
        track(
          changes,
          positions
        )(
          await handlers.ticket.handle(
            streams.ticket(record.threatKey),
            {
              type: 'RecordClosed',
              data: {
                ticketId: ticket.id,
                mappingId: record.mappingId,
                threatKey: record.threatKey,
                by: 'technician',
                ...(ticket.statusId != null ? { statusId: ticket.statusId } : {})
              }
            },
            cause
          )
        )
      }
    }
  }

  return {
    ticketingProblems,
    checkTicketingConfiguration,

    /** One poll over every mapping; appends only what changed. */
    async sync(actor: string): Promise<SyncReport> {
      const started = Date.now()
      const runId = newId()
      const cause: Cause = { actor, correlationId: runId }
      const gzBefore = deps.gravityzone.stats().transport.calls!
      const haloBefore = deps.halopsa.stats().calls
      const changes: string[] = []
      const positions: bigint[] = []
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
        track(
          changes,
          positions
        )(
          await observeMapping(
            m,
            companies ? { found: company !== undefined, ...(company ? { name: company.name } : {}) } : undefined,
            clients
              ? {
                  found: client !== undefined && !client.inactive,
                  inactive: client?.inactive === true,
                  ...(client ? { name: client.name } : {})
                }
              : undefined,
            cause
          )
        )
        track(
          changes,
          positions
        )(await refreshNames(m, company?.name, client && !client.inactive ? client.name : undefined, cause))
      }

      // Billing prerequisites, for mappings whose services are not suspended.
      const billed = mappings().filter((m) => m.billing.enabled && !suspended(m.id))
      // An item inactivated in HaloPSA is still there: the ids named by item mappings are looked up one by one.
      const named = [...Object.values((await handlers.billingConfig.load(streams.billingConfig())).items)]
      for (const m of billed) named.push(...Object.values(m.billing.items ?? {}))
      const items = await attempt('HaloPSA items', () => deps.halopsa.items.existing(named, { pageSize }))
      if (items) {
        await observeGlobalItems((id) => items.has(id), cause, changes, positions)
        for (const m of billed) await observeCustomItems(m, (id) => items.has(id), cause, changes, positions)
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
        for (const m of billed)
          await observeInvoice(m, invoiceFor(m, invoices.get(m.halopsaClientId) ?? []), cause, changes, positions)
      }

      const ticketing = await attempt('ticketing configuration', () =>
        checkTicketingConfiguration(cause, changes, positions)
      )
      await attempt('HaloPSA tickets', () => pollClosedTickets(cause, changes, positions))

      const report: SyncReport = {
        runId,
        checked: {
          mappings: all.length,
          companies: companies?.size ?? 0,
          clients: clients?.size ?? 0,
          items: items?.size ?? 0,
          invoices: billed.length,
          ticketing: ticketing?.checked ?? false
        },
        changes,
        calls: {
          gravityzone: deps.gravityzone.stats().transport.calls! - gzBefore,
          halopsa: deps.halopsa.stats().calls - haloBefore
        },
        durationMs: Date.now() - started,
        errors
      }
      // A poll that changed nothing appends nothing (its figures are in the metrics and the answer).
      if (changes.length > 0) {
        const recorded = await deps.store.append(streams.syncRun(), [
          {
            id: newId(),
            type: 'SyncRunCompleted',
            data: {
              runId,
              checked: report.checked,
              changes,
              calls: report.calls,
              durationMs: report.durationMs
            } satisfies FactData<'SyncRunCompleted'>,
            metadata: metadataFor(cause, now())
          }
        ])
        positions.push(recorded.position)
      }
      if (positions.length > 0) await deps.runner.waitForPosition(positions.reduce((a, b) => (a > b ? a : b)))
      return report
    },

    /** Both sides of one mapping, asked directly (Recheck of a mapping event, or a HaloPSA client notification). */
    async checkMapping(m: Mapping, cause: Cause): Promise<bigint | null> {
      const positions: bigint[] = []
      const company = await deps.gravityzone.getCompanyDetails(m.gravityzoneCompanyId).then(
        (c) => ({ found: true, name: c.name }),
        (error) => {
          if (isPlatformError(error) && error.kind === 'not_found') return { found: false }
          throw error
        }
      )
      const client = await deps.halopsa.clients.get(m.halopsaClientId)
      track(
        [],
        positions
      )(
        await observeMapping(
          m,
          company,
          {
            found: client !== null && !client.inactive,
            inactive: client?.inactive === true,
            ...(client ? { name: client.name } : {})
          },
          cause
        )
      )
      return positions.at(-1) ?? null
    },

    async checkInvoice(m: Mapping, cause: Cause): Promise<bigint | null> {
      const positions: bigint[] = []
      const invoices = await deps.halopsa.recurringInvoices.listForClient(m.halopsaClientId)
      await observeInvoice(m, invoiceFor(m, invoices), cause, [], positions)
      return positions.at(-1) ?? null
    },

    async checkItem(itemId: number, mappingId: string | undefined, cause: Cause): Promise<bigint | null> {
      const positions: bigint[] = []
      const exists = (await deps.halopsa.items.get(itemId)) !== null
      const check = (id: number) => (id === itemId ? exists : true)
      if (mappingId === undefined) await observeGlobalItems(check, cause, [], positions)
      else {
        const m = deps.runner.state(mappingsProjection).mappings.get(mappingId)
        if (m) await observeCustomItems(m, check, cause, [], positions)
      }
      return positions.at(-1) ?? null
    }
  }
}

export type Inventory = ReturnType<typeof createInventory>
