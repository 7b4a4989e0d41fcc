import { isPlatformError } from '../../platforms/transport/errors.js'
import type { TicketingContext, TicketWork } from './context.js'

/**
 * Auto-close (docs/platforms/halopsa.md#tickets-and-actions): a ticket for a blocked threat is set
 * to the status named `closedStatusName`. What stops it (no such status, statuses unreadable, the
 * close refused or failing for the whole retry period) is `TicketCloseFailed`, which raises
 * ticket-closure-failed.
 */
export const autoClose = async (ctx: TicketingContext, ticketId: number, work: TicketWork): Promise<void> => {
  const { data, mapping, config, cause } = work
  const closeFailed = (message: string) =>
    ctx.record(
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
    statusId = await ctx.statuses.closedStatusId(config.closedStatusName)
    if (statusId === undefined) statusId = await ctx.statuses.closedStatusId(config.closedStatusName, true)
  } catch (error) {
    if (!isPlatformError(error)) throw error
    return void (await closeFailed(`could not read HaloPSA's statuses: ${error.message}`))
  }
  if (statusId === undefined)
    return void (await closeFailed(`HaloPSA has no ticket status named "${config.closedStatusName}"`))
  const closed = await ctx.retries.withRetries(() => ctx.halopsa.tickets.close(ticketId, { statusId: statusId! }))
  if (!closed.ok) return void (await closeFailed(closed.error.message))
  await ctx.record(
    data.threatKey,
    {
      type: 'RecordClosed',
      data: { ticketId, mappingId: mapping.id, threatKey: data.threatKey, by: 'auto-close', statusId }
    },
    cause
  )
}
