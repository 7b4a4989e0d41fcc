import type { FactData } from '../../domain/facts.js'
import { isPlatformError } from '../../platforms/transport/errors.js'
import { repeatNote } from '../securityEventText.js'
import { autoClose } from './closing.js'
import { eventAtOf, type TicketingContext, type TicketWork } from './context.js'

/**
 * Re-opening a recently closed ticket when its threat comes back (ticket rules, `reopen`): the
 * ticket's status is set back to an open status (docs/platforms/halopsa.md#tickets-and-actions),
 * then the repeat is added as a private note. False when HaloPSA would not re-open it (no open
 * status known, the ticket gone, the update refused or failing through the retries): the event
 * then gets a new ticket, so nothing is lost.
 */
export const reopenTicket = async (ctx: TicketingContext, work: TicketWork, ticketId: number): Promise<boolean> => {
  const { data, mapping, config, cause } = work
  const giveUp = (reason: string) => {
    ctx.logger?.warn({ ticketId, reason }, 'could not re-open the ticket; creating a new one')
    return false
  }
  let statusId: number | undefined
  try {
    statusId = await ctx.statuses.reopenStatusId(work.rules, config)
  } catch (error) {
    if (!isPlatformError(error)) throw error
    return giveUp(`could not read the ticket type: ${error.message}`)
  }
  if (statusId === undefined) return giveUp('no status to re-open it with')
  const reopened = await ctx.retries.withRetries(() => ctx.halopsa.tickets.reopen(ticketId, { statusId: statusId! }))
  if (!reopened.ok) return giveUp(reopened.error.message)
  const note = `Re-opened: ${repeatNote(data)}`
  const noted = await ctx.retries.withRetries(() => ctx.halopsa.tickets.addNote(ticketId, note))
  if (!noted.ok)
    ctx.logger?.warn({ ticketId, err: noted.error.message }, 'could not add a note to the re-opened ticket')
  const fact: FactData<'TicketReopened'> = {
    mappingId: mapping.id,
    ticketId,
    threatKey: data.threatKey,
    securityEventKey: data.eventKey,
    eventAt: eventAtOf(work),
    statusId,
    noted: noted.ok
  }
  await ctx.record(data.threatKey, { type: 'RecordReopened', data: fact }, cause)
  if (config.autoCloseBlocked && data.blocked) await autoClose(ctx, ticketId, work)
  return true
}
