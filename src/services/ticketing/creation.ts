import type { FactData } from '../../domain/facts.js'
import type { CreateReason } from '../../domain/ticketRules.js'
import type { HaloTicket } from '../../platforms/halopsa/schemas.js'
import type { PlatformError } from '../../platforms/transport/errors.js'
import { streams } from '../../domain/streams.js'
import { ticketText } from '../securityEventText.js'
import { autoClose } from './closing.js'
import { eventAtOf, type TicketingContext, type TicketWork } from './context.js'
import { mayHaveCreated } from './retries.js'

/**
 * Creating a ticket (docs/platforms/halopsa.md#tickets-and-actions). The creation is announced
 * (`TicketCreationStarted`, with a marker written into the ticket) before HaloPSA is asked, so that
 * a retry after a crash or an answer that never came looks for the ticket before creating another.
 * A refusal caused by the ticketing configuration raises invalid-ticketing-configuration; any other
 * failure ticket-creation-failed.
 */

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

/** How the rules decided the creation: recorded with the ticket. */
export type CreateDecision = { why: CreateReason; priorityId?: number; priorityRule?: number }

export const createTicket = async (
  ctx: TicketingContext,
  work: TicketWork,
  decision: CreateDecision,
  recoverMarker?: string
): Promise<void> => {
  const { data, mapping, config, cause } = work
  const record = (command: Parameters<TicketingContext['record']>[1]) => ctx.record(data.threatKey, command, cause)
  const marker = recoverMarker ?? `gzrelay:${data.eventKey.slice(0, 40)}`
  const base = {
    mappingId: mapping.id,
    halopsaClientId: mapping.halopsaClientId,
    threatKey: data.threatKey,
    securityEventKey: data.eventKey
  }
  const priorityId = decision.priorityId
  const context = ctx.assets?.assetFor(mapping.id, data.endpointId) ?? {}
  const text = ticketText(data, mapping, context)
  const asset = context.asset?.id
  const created = (ticket: HaloTicket) =>
    record({
      type: 'RecordCreated',
      data: {
        ...base,
        ticketId: ticket.id,
        summary: text.summary,
        blocked: data.blocked,
        eventAt: eventAtOf(work),
        familyKey: work.event.familyKey,
        ...(priorityId !== undefined ? { priorityId } : {}),
        ...(decision.priorityRule !== undefined ? { priorityRule: decision.priorityRule } : {}),
        why: decision.why,
        ...(asset !== undefined && ticket.assetIds.includes(asset) ? { haloAssetId: asset } : {})
      }
    })

  const unconfirmed = (error: RecoveryUnconfirmed, attempts: number) =>
    record({
      type: 'RecordCreateFailed',
      data: {
        ...base,
        cause: 'unconfirmed',
        message: `a ticket may already exist in HaloPSA (marker ${marker}) and could not be confirmed: ${error.message}; check the client's tickets before creating one by hand`,
        attempts
      }
    })

  /** Undefined when HaloPSA proves there is none; RecoveryUnconfirmed when that cannot be settled. */
  const findByMarker = async (): Promise<HaloTicket | undefined> => {
    const search = await ctx.halopsa.tickets.findByMarker({
      clientId: mapping.halopsaClientId,
      marker,
      summary: text.summary
    })
    if (search.found === 'unknown') throw new RecoveryUnconfirmed(search.reason)
    return search.found ? search.ticket : undefined
  }

  if (recoverMarker) {
    let existing: HaloTicket | undefined
    try {
      existing = await findByMarker()
    } catch (error) {
      if (error instanceof RecoveryUnconfirmed) return void (await unconfirmed(error, 1))
      throw error
    }
    if (existing) {
      await created(existing)
      if (config.autoCloseBlocked && data.blocked && existing.hasBeenClosed !== true)
        await autoClose(ctx, existing.id, work)
      return
    }
  } else {
    await record({ type: 'StartCreation', data: { ...base, marker } })
  }

  let lookupFailed: RecoveryUnconfirmed | undefined
  const result = await ctx.retries
    .withRetries(
      () =>
        ctx.halopsa.tickets.create({
          summary: text.summary,
          details: text.details,
          detailsHtml: text.detailsHtml,
          clientId: mapping.halopsaClientId,
          ticketTypeId: config.ticketTypeId,
          ...(priorityId !== undefined ? { priorityId } : {}),
          ...(config.statusId !== undefined ? { statusId: config.statusId } : {}),
          thirdPartyIdString: marker,
          ...(asset !== undefined ? { assets: [asset] } : {})
        }),
      // After an answer that never came, look before creating again.
      async (error) => {
        if (!mayHaveCreated(error)) return undefined
        try {
          return await findByMarker()
        } catch (lookup) {
          if (!(lookup instanceof RecoveryUnconfirmed)) throw lookup
          lookupFailed = lookup
          throw new StopCreating()
        }
      }
    )
    .catch((error: unknown) => {
      if (error instanceof StopCreating) return undefined
      throw error
    })
  if (!result) return void (await unconfirmed(lookupFailed!, 1))
  if (result.ok) {
    await created(result.value)
    if (config.autoCloseBlocked && data.blocked) await autoClose(ctx, result.value.id, work)
    return
  }
  const error = result.error
  const failure: FactData<'TicketCreateFailed'>['cause'] = isConfigurationRefusal(error)
    ? 'configuration'
    : error.transient
      ? 'transient'
      : 'refused'
  if (failure === 'configuration') {
    await ctx.ticketingConfig.handle(
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
  await record({
    type: 'RecordCreateFailed',
    data: {
      ...base,
      cause: failure,
      ...(error.status !== undefined ? { status: error.status } : {}),
      message: error.message,
      attempts: result.attempts
    }
  })
}
