import type { FactData } from '../../domain/facts.js'
import { isPlatformError } from '../../platforms/transport/errors.js'
import { repeatNote } from '../securityEventText.js'
import { eventAtOf, type TicketingContext, type TicketWork } from './context.js'

/**
 * Notes on an open ticket: a repeat of the threat on the same endpoint, or the same threat on
 * another endpoint consolidated into the ticket (ticket rules). Private notes, their outcome by name
 * ("Internal Note") and by the stock id 7 if the name is refused (fidelity row H13).
 */

/** What became of a ticket that refused a note: gone (404 or deleted), closed, open, or unknown. */
const ticketNow = async (ctx: TicketingContext, ticketId: number): Promise<'gone' | 'closed' | 'open' | 'unknown'> => {
  try {
    const state = await ctx.halopsa.tickets.state(ticketId)
    if (!state.exists || state.deleted === true) return 'gone'
    return state.closed === true ? 'closed' : state.closed === false ? 'open' : 'unknown'
  } catch (error) {
    if (!isPlatformError(error)) throw error
    return 'unknown'
  }
}

/**
 * A repeat as a note on the threat's open ticket: 'noted' (or the failure recorded, the ticket
 * staying the threat's), or why a new ticket is needed instead: the ticket is proven gone, or was
 * closed meanwhile (recorded as such).
 */
export const noteRepeat = async (
  ctx: TicketingContext,
  work: TicketWork,
  ticketId: number
): Promise<'noted' | 'ticket-closed' | 'ticket-gone'> => {
  const { data, mapping, cause } = work
  const ids = { mappingId: mapping.id, ticketId, threatKey: data.threatKey, securityEventKey: data.eventKey }
  const noted = await ctx.retries.withRetries(() => ctx.halopsa.tickets.addNote(ticketId, repeatNote(data)))
  if (noted.ok) {
    await ctx.record(data.threatKey, { type: 'RecordNote', data: { ...ids, eventAt: eventAtOf(work) } }, cause)
    return 'noted'
  }
  // A refused note opens a new ticket only when the ticket is proven gone (or closed meanwhile);
  // otherwise the failure is recorded and the open ticket stays the one for this threat.
  const now = await ticketNow(ctx, ticketId)
  if (now === 'open' || now === 'unknown') {
    ctx.logger?.warn({ ticketId, err: noted.error.message }, 'could not add a note to the ticket')
    const failed: FactData<'TicketNoteFailed'> = {
      ...ids,
      ...(noted.error.status !== undefined ? { status: noted.error.status } : {}),
      message: noted.error.message,
      attempts: noted.attempts
    }
    await ctx.record(data.threatKey, { type: 'RecordNoteFailed', data: failed }, cause)
    return 'noted'
  }
  const by = now === 'gone' ? 'gone' : 'technician'
  await ctx.record(
    data.threatKey,
    { type: 'RecordClosed', data: { ticketId, mappingId: mapping.id, threatKey: data.threatKey, by } },
    cause
  )
  return now === 'gone' ? 'ticket-gone' : 'ticket-closed'
}

const consolidationNote = (data: FactData<'SecurityEventReceived'>): string => {
  const ip = typeof data.event.computer_ip === 'string' ? ` (${data.event.computer_ip})` : ''
  const endpoint = data.endpointName ?? data.endpointId ?? 'an endpoint'
  return `Another endpoint hit by the same threat: ${endpoint}${ip}. ${repeatNote(data)}`
}

/**
 * The same threat on another endpoint, within the consolidation window: a note on the ticket
 * created for the first endpoint (stream `into`). False when HaloPSA would not take the note, so
 * the event gets a ticket of its own.
 */
export const consolidate = async (
  ctx: TicketingContext,
  work: TicketWork,
  ticketId: number,
  into: string
): Promise<boolean> => {
  const { data, mapping, cause } = work
  const noted = await ctx.retries.withRetries(() => ctx.halopsa.tickets.addNote(ticketId, consolidationNote(data)))
  if (!noted.ok) {
    ctx.logger?.warn(
      { ticketId, err: noted.error.message },
      'could not add the endpoint to the consolidated ticket; creating a ticket of its own'
    )
    return false
  }
  await ctx.record(
    data.threatKey,
    {
      type: 'RecordNote',
      data: {
        mappingId: mapping.id,
        ticketId,
        threatKey: data.threatKey,
        securityEventKey: data.eventKey,
        eventAt: eventAtOf(work),
        consolidatedInto: into
      }
    },
    cause
  )
  return true
}
