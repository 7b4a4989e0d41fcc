import type { StoredFact } from '../store/port.js'
import type { Cause } from '../domain/metadata.js'
import type { Fact, FactData, FactOf, TicketingConfiguration } from '../domain/facts.js'
import type { Mapping } from '../domain/mappingRegistry.js'
import { planTicket, type TicketCommand, type TicketState } from '../domain/ticket.js'
import type { TicketingConfigCommand, TicketingConfigState } from '../domain/ticketingConfig.js'
import { streams } from '../domain/streams.js'
import { integrationEventsProjection, isSuspended } from '../../projections/integrationEvents.js'
import { mappingsProjection } from '../../projections/mappings.js'
import { ticketsProjection } from '../../projections/tickets.js'
import type { GravityZoneClient } from '../platforms/gravityzone/client.js'
import type { HaloPsaClient } from '../platforms/halopsa/client.js'
import type { HaloTicket } from '../platforms/halopsa/schemas.js'
import { isPlatformError, type PlatformError } from '../platforms/transport/errors.js'
import { systemClock, type Clock } from '../platforms/transport/clock.js'
import type { CommandHandler } from './commandHandler.js'
import type { ProjectionRunner } from './projectionRunner.js'
import { repeatNote, ticketText } from './securityEventText.js'
import type { TicketAssetContext } from './assets.js'
import type { Logger } from '../logger.js'

/**
 * Ticketing (docs/platforms/halopsa.md#tickets-and-actions): each GravityZone security event of a
 * configured module, for a ticketing-enabled and non-suspended mapping, becomes one HaloPSA ticket
 * for the mapped client; a repeat of the same threat on the same endpoint while its ticket is open
 * becomes a note. Transient HaloPSA failures are retried with backoff for up to `giveUpAfterMs`
 * (long enough to ride out an outage of several polls) before `ticket-creation-failed`; a refusal
 * caused by the ticketing configuration raises `invalid-ticketing-configuration`. Tickets for
 * blocked threats are closed when auto-close is on. Tickets closed by a technician are recorded
 * from HaloPSA's webhook.
 */

type TicketingOptions = {
  runner: ProjectionRunner
  ticket: CommandHandler<TicketCommand, TicketState>
  ticketingConfig: CommandHandler<TicketingConfigCommand, TicketingConfigState>
  ticketingConfiguration(): Promise<TicketingConfiguration | undefined>
  halopsa: HaloPsaClient
  gravityzone: GravityZoneClient
  clock?: Clock
  logger?: Logger
  /** Backoff between attempts after a transient failure, and how long to keep trying. */
  retry?: { minMs?: number; maxMs?: number; giveUpAfterMs?: number }
  /** How long a looked-up status list is trusted. */
  statusCacheMs?: number
  /** The asset a new ticket carries and what it says about the endpoint (docs/assets.md#tickets). */
  assets?: { assetFor(mappingId: string, endpointId: string | undefined): TicketAssetContext }
}

/** Fields of a HaloPSA 400 that point at the ticketing configuration rather than at the event. */
const configurationFields = /tickettype|ticket type|status|priority|category|impact|urgency|mandatory|team|sla/i

const isConfigurationRefusal = (error: PlatformError): boolean => {
  if (error.kind !== 'rejected') return false
  const details = typeof error.details === 'string' ? error.details : JSON.stringify(error.details ?? '')
  return configurationFields.test(details) || configurationFields.test(error.message)
}

const problemsOf = (error: PlatformError): { field: string; message: string }[] => {
  if (error.details && typeof error.details === 'object' && !Array.isArray(error.details)) {
    const entries = Object.entries(error.details as Record<string, unknown>).map(([field, message]) => ({
      field: field.replace(/^\[\d+\]\./, ''),
      message: String(message)
    }))
    if (entries.length > 0) return entries
  }
  return [{ field: 'ticket', message: error.message }]
}

/** A creation that may have happened could be neither confirmed nor ruled out. */
class RecoveryUnconfirmed extends Error {}
/** Ends the retries of a creation once RecoveryUnconfirmed was met. */
class StopCreating extends Error {}

/** Ambiguous failures: the ticket may have been created even though no answer came back. */
const mayHaveCreated = (error: PlatformError): boolean =>
  error.kind === 'timeout' || error.kind === 'server' || error.kind === 'network'

export const createTicketing = (options: TicketingOptions) => {
  const clock = options.clock ?? systemClock
  const minMs = options.retry?.minMs ?? 1_000
  const maxMs = options.retry?.maxMs ?? 60_000
  const giveUpAfterMs = options.retry?.giveUpAfterMs ?? 2 * 60 * 60 * 1000
  const statusCacheMs = options.statusCacheMs ?? 5 * 60 * 1000
  let statusCache: { at: number; statuses: { id: number; name: string }[] } | undefined

  const closedStatusId = async (name: string, fresh = false): Promise<number | undefined> => {
    if (fresh || !statusCache || clock.now() - statusCache.at > statusCacheMs) {
      statusCache = { at: clock.now(), statuses: await options.halopsa.statuses.list() }
    }
    return statusCache.statuses.find((s) => s.name.trim().toLowerCase() === name.trim().toLowerCase())?.id
  }

  const record = (threatKey: string, command: TicketCommand, cause: Cause) =>
    options.ticket.handle(streams.ticket(threatKey), command, cause)

  /** What became of a ticket that refused a note: gone (404 or deleted), closed, open, or unknown. */
  const ticketNow = async (ticketId: number): Promise<'gone' | 'closed' | 'open' | 'unknown'> => {
    try {
      const state = await options.halopsa.tickets.state(ticketId)
      if (!state.exists || state.deleted === true) return 'gone'
      return state.closed === true ? 'closed' : state.closed === false ? 'open' : 'unknown'
    } catch (error) {
      if (!isPlatformError(error)) throw error
      return 'unknown'
    }
  }

  /**
   * A ticket the relay started to create, found by its marker (after a crash or an ambiguous
   * failure); undefined when HaloPSA proves there is none. When that cannot be settled, no second
   * ticket is created: RecoveryUnconfirmed ends the attempt as a ticket-creation-failed event.
   */
  const findByMarker = async (clientId: number, marker: string, summary: string): Promise<HaloTicket | undefined> => {
    const search = await options.halopsa.tickets.findByMarker({ clientId, marker, summary })
    if (search.found === 'unknown') throw new RecoveryUnconfirmed(search.reason)
    return search.found ? search.ticket : undefined
  }

  type Attempts<T> = { ok: true; value: T; attempts: number } | { ok: false; error: PlatformError; attempts: number }

  /** Security events whose ticket work is being retried after transient HaloPSA failures (/api/status). */
  let retrying = 0

  /** Runs `work`, retrying transient failures with backoff until `giveUpAfterMs`; returns the last error otherwise. */
  const withRetries = async <T>(
    work: (attempt: number) => Promise<T>,
    beforeRetry?: (error: PlatformError) => Promise<T | undefined>
  ): Promise<Attempts<T>> => {
    let counted = false
    try {
      return await retryLoop(work, beforeRetry, () => {
        if (!counted) retrying++
        counted = true
      })
    } finally {
      if (counted) retrying--
    }
  }

  const retryLoop = async <T>(
    work: (attempt: number) => Promise<T>,
    beforeRetry: ((error: PlatformError) => Promise<T | undefined>) | undefined,
    onRetry: () => void
  ): Promise<Attempts<T>> => {
    const started = clock.now()
    let delay = minMs
    for (let attempt = 1; ; attempt++) {
      try {
        return { ok: true, value: await work(attempt), attempts: attempt }
      } catch (error) {
        if (!isPlatformError(error)) throw error
        if (!error.transient || clock.now() - started >= giveUpAfterMs) return { ok: false, error, attempts: attempt }
        onRetry()
        options.logger?.warn(
          { call: error.call, kind: error.kind, status: error.status, retryInMs: delay },
          'HaloPSA failed transiently; retrying'
        )
        await clock.sleep(Math.max(delay, error.retryAfterMs ?? 0))
        delay = Math.min(maxMs, delay * 2)
        if (beforeRetry) {
          try {
            const found = await beforeRetry(error)
            if (found !== undefined) return { ok: true, value: found, attempts: attempt }
          } catch (lookupError) {
            if (!isPlatformError(lookupError)) throw lookupError
          }
        }
      }
    }
  }

  const autoClose = async (
    ticketId: number,
    data: FactData<'SecurityEventReceived'>,
    mapping: Mapping,
    config: TicketingConfiguration,
    cause: Cause
  ) => {
    const closeFailed = (message: string) =>
      record(
        data.threatKey,
        {
          type: 'RecordCloseFailed',
          data: {
            mappingId: mapping.id,
            halopsaClientId: mapping.halopsaClientId,
            ticketId,
            threatKey: data.threatKey,
            message
          }
        },
        cause
      )
    let statusId: number | undefined
    try {
      statusId = await closedStatusId(config.closedStatusName)
      if (statusId === undefined) statusId = await closedStatusId(config.closedStatusName, true)
    } catch (error) {
      if (!isPlatformError(error)) throw error
      return closeFailed(`could not read HaloPSA's statuses: ${error.message}`)
    }
    if (statusId === undefined) return closeFailed(`HaloPSA has no ticket status named "${config.closedStatusName}"`)
    const closed = await withRetries(() => options.halopsa.tickets.close(ticketId, { statusId: statusId! }))
    if (!closed.ok) return closeFailed(closed.error.message)
    return record(
      data.threatKey,
      {
        type: 'RecordClosed',
        data: { ticketId, mappingId: mapping.id, threatKey: data.threatKey, by: 'auto-close', statusId }
      },
      cause
    )
  }

  const createTicket = async (
    data: FactData<'SecurityEventReceived'>,
    mapping: Mapping,
    config: TicketingConfiguration,
    recoverMarker: string | undefined,
    cause: Cause
  ) => {
    const marker = recoverMarker ?? `gzrelay:${data.eventKey.slice(0, 40)}`
    const base = {
      mappingId: mapping.id,
      halopsaClientId: mapping.halopsaClientId,
      threatKey: data.threatKey,
      securityEventKey: data.eventKey
    }
    const context = options.assets?.assetFor(mapping.id, data.endpointId) ?? {}
    const text = ticketText(data, mapping, context)
    const asset = context.asset?.id
    const created = (ticket: HaloTicket) =>
      record(
        data.threatKey,
        {
          type: 'RecordCreated',
          data: {
            ...base,
            ticketId: ticket.id,
            summary: text.summary,
            blocked: data.blocked,
            ...(asset !== undefined && ticket.assetIds.includes(asset) ? { haloAssetId: asset } : {})
          }
        },
        cause
      )

    const unconfirmed = (error: RecoveryUnconfirmed, attempts: number) =>
      record(
        data.threatKey,
        {
          type: 'RecordCreateFailed',
          data: {
            ...base,
            cause: 'unconfirmed',
            message: `a ticket may already exist in HaloPSA (marker ${marker}) and could not be confirmed: ${error.message}; check the client's tickets before creating one by hand`,
            attempts
          }
        },
        cause
      )

    if (recoverMarker) {
      let existing: HaloTicket | undefined
      try {
        existing = await findByMarker(mapping.halopsaClientId, marker, text.summary)
      } catch (error) {
        if (error instanceof RecoveryUnconfirmed) return void (await unconfirmed(error, 1))
        throw error
      }
      if (existing) {
        await created(existing)
        if (config.autoCloseBlocked && data.blocked && existing.hasBeenClosed !== true)
          await autoClose(existing.id, data, mapping, config, cause)
        return
      }
    } else {
      await record(data.threatKey, { type: 'StartCreation', data: { ...base, marker } }, cause)
    }

    let lookupFailed: RecoveryUnconfirmed | undefined
    const result = await withRetries(
      () =>
        options.halopsa.tickets.create({
          summary: text.summary,
          details: text.details,
          detailsHtml: text.detailsHtml,
          clientId: mapping.halopsaClientId,
          ticketTypeId: config.ticketTypeId,
          ...(config.priorityId !== undefined ? { priorityId: config.priorityId } : {}),
          ...(config.statusId !== undefined ? { statusId: config.statusId } : {}),
          thirdPartyIdString: marker,
          ...(asset !== undefined ? { assets: [asset] } : {})
        }),
      // After an answer that never came, look before creating again.
      async (error) => {
        if (!mayHaveCreated(error)) return undefined
        try {
          return await findByMarker(mapping.halopsaClientId, marker, text.summary)
        } catch (lookup) {
          if (!(lookup instanceof RecoveryUnconfirmed)) throw lookup
          lookupFailed = lookup
          throw new StopCreating()
        }
      }
    ).catch((error: unknown) => {
      if (error instanceof StopCreating) return undefined
      throw error
    })
    if (!result) return void (await unconfirmed(lookupFailed!, 1))
    if (result.ok) {
      await created(result.value)
      if (config.autoCloseBlocked && data.blocked) await autoClose(result.value.id, data, mapping, config, cause)
      return
    }
    const error = result.error
    const cause_ = isConfigurationRefusal(error) ? 'configuration' : error.transient ? 'transient' : 'refused'
    if (cause_ === 'configuration') {
      await options.ticketingConfig.handle(
        streams.ticketingConfig(),
        {
          type: 'ObserveTicketingValidity',
          data: {
            valid: false,
            problems: problemsOf(error),
            checked: ['ticket creation'],
            mappingId: mapping.id,
            securityEventKey: data.eventKey
          }
        },
        cause
      )
    }
    await record(
      data.threatKey,
      {
        type: 'RecordCreateFailed',
        data: {
          ...base,
          cause: cause_,
          ...(error.status !== undefined ? { status: error.status } : {}),
          message: error.message,
          attempts: result.attempts
        }
      },
      cause
    )
  }

  const skip = (
    data: FactData<'SecurityEventReceived'>,
    reason: FactData<'TicketingSkipped'>['reason'],
    mappingId: string | undefined,
    cause: Cause
  ) =>
    record(
      data.threatKey,
      {
        type: 'RecordSkipped',
        data: {
          securityEventKey: data.eventKey,
          module: data.module,
          ...(data.companyId !== undefined ? { companyId: data.companyId } : {}),
          ...(mappingId !== undefined ? { mappingId } : {}),
          reason
        }
      },
      cause
    )

  const companyOf = async (data: FactData<'SecurityEventReceived'>): Promise<string | undefined> => {
    if (data.companyId !== undefined) return data.companyId
    if (data.endpointId === undefined) return undefined
    // Some modules omit companyId (device-control in the samples): ask which company owns the endpoint.
    try {
      return (await options.gravityzone.getManagedEndpointDetails(data.endpointId)).companyId
    } catch (error) {
      if (isPlatformError(error) && !error.transient) return undefined
      throw error
    }
  }

  const onSecurityEvent = async (fact: StoredFact & FactOf<'SecurityEventReceived'>) => {
    const { data } = fact
    const cause: Cause = { actor: 'relay', correlationId: fact.metadata.correlationId, causationId: fact.id }
    const state = await options.ticket.load(streams.ticket(data.threatKey))
    const plan = planTicket(state, data.eventKey)
    if (plan.action === 'done') return
    if (data.isTest) return void (await skip(data, 'test-event', undefined, cause))
    const companyId = await companyOf(data)
    if (companyId === undefined) return void (await skip(data, 'no-company', undefined, cause))
    const registry = options.runner.state(mappingsProjection)
    const mappingId = registry.byCompany.get(companyId)
    const mapping = mappingId !== undefined ? registry.mappings.get(mappingId) : undefined
    if (!mapping) return void (await skip(data, 'unmapped', undefined, cause))
    const config = await options.ticketingConfiguration()
    if (!config) return void (await skip(data, 'not-configured', mapping.id, cause))
    if (!config.modules.includes(data.module)) return void (await skip(data, 'module-not-ticketed', mapping.id, cause))
    if (!mapping.ticketing.enabled) return void (await skip(data, 'ticketing-disabled', mapping.id, cause))
    if (isSuspended(options.runner.state(integrationEventsProjection), mapping.id))
      return void (await skip(data, 'suspended', mapping.id, cause))

    if (plan.action === 'note') {
      // A private note, its outcome by name ("Internal Note") and by the stock id 7 if the name is refused.
      const noted = await withRetries(() => options.halopsa.tickets.addNote(plan.ticketId, repeatNote(data)))
      if (noted.ok) {
        await record(
          data.threatKey,
          {
            type: 'RecordNote',
            data: {
              mappingId: mapping.id,
              ticketId: plan.ticketId,
              threatKey: data.threatKey,
              securityEventKey: data.eventKey
            }
          },
          cause
        )
        return
      }
      // A refused note opens a new ticket only when the ticket is proven gone (or closed meanwhile);
      // otherwise the failure is recorded and the open ticket stays the one for this threat.
      const now = await ticketNow(plan.ticketId)
      if (now === 'open' || now === 'unknown') {
        options.logger?.warn(
          { ticketId: plan.ticketId, err: noted.error.message },
          'could not add a note to the ticket'
        )
        await record(
          data.threatKey,
          {
            type: 'RecordNoteFailed',
            data: {
              mappingId: mapping.id,
              ticketId: plan.ticketId,
              threatKey: data.threatKey,
              securityEventKey: data.eventKey,
              ...(noted.error.status !== undefined ? { status: noted.error.status } : {}),
              message: noted.error.message,
              attempts: noted.attempts
            }
          },
          cause
        )
        return
      }
      await record(
        data.threatKey,
        {
          type: 'RecordClosed',
          data: {
            ticketId: plan.ticketId,
            mappingId: mapping.id,
            threatKey: data.threatKey,
            by: now === 'gone' ? 'gone' : 'technician'
          }
        },
        cause
      )
    }
    await createTicket(data, mapping, config, plan.action === 'create' ? plan.recover : undefined, cause)
  }

  /** A HaloPSA notification about one of our tickets: record a technician's close. */
  const onHaloNotification = async (fact: StoredFact & FactOf<'HaloWebhookReceived'>) => {
    const { data } = fact
    if (data.ticketId === undefined) return
    const ticket = options.runner.state(ticketsProjection).byId.get(data.ticketId)
    if (!ticket?.open) return
    let closed = data.hasBeenClosed === true
    let statusId = data.statusId
    // "Event information only" (or a payload without status): ask HaloPSA what became of the ticket.
    if (data.hasBeenClosed === undefined && statusId === undefined) {
      const state = await options.halopsa.tickets.state(data.ticketId)
      if (!state.exists) return
      closed = state.closed === true
      statusId = state.statusId
    }
    if (!closed && statusId !== undefined) {
      const config = await options.ticketingConfiguration()
      closed = config !== undefined && (await closedStatusId(config.closedStatusName)) === statusId
    }
    if (!closed) return
    const cause: Cause = { actor: 'halopsa', correlationId: fact.metadata.correlationId, causationId: fact.id }
    await record(
      ticket.threatKey,
      {
        type: 'RecordClosed',
        data: {
          ticketId: data.ticketId,
          mappingId: ticket.mappingId,
          threatKey: ticket.threatKey,
          by: 'technician',
          ...(statusId !== undefined ? { statusId } : {})
        }
      },
      cause
    )
  }

  return {
    types: ['SecurityEventReceived', 'HaloWebhookReceived'],
    /** How many security events' tickets are waiting on HaloPSA right now (transient failures, retried). */
    pending: () => retrying,
    async handle(fact: StoredFact & Fact): Promise<void> {
      if (fact.type === 'SecurityEventReceived') await onSecurityEvent(fact)
      else if (fact.type === 'HaloWebhookReceived') await onHaloNotification(fact)
    }
  }
}

export type Ticketing = ReturnType<typeof createTicketing>
