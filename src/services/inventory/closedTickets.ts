import type { Cause } from '../../domain/metadata.js'
import type { TicketCommand, TicketState } from '../../domain/ticket.js'
import { streams } from '../../domain/streams.js'
import { openTickets, ticketsProjection } from '../../../projections/tickets.js'
import type { HaloPsaClient } from '../../platforms/halopsa/client.js'
import type { CommandHandler } from '../commandHandler.js'
import type { ProjectionRunner } from '../projectionRunner.js'
import { count, type Tally } from './tally.js'

/**
 * Tickets the relay created that a technician has closed since: HaloPSA's webhook says so as it
 * happens, and this poll catches the ones whose notification was missed. Open tickets are asked
 * for a hundred at a time.
 */
export const createClosedTicketPoll =
  (deps: { runner: ProjectionRunner; halopsa: HaloPsaClient; ticket: CommandHandler<TicketCommand, TicketState> }) =>
  async (cause: Cause, tally: Tally): Promise<void> => {
    const open = openTickets(deps.runner.state(ticketsProjection))
    for (let i = 0; i < open.length; i += 100) {
      const chunk = open.slice(i, i + 100)
      // Confirmed closed by reading each candidate: list rows do not say whether a ticket is closed.
      const tickets = await deps.halopsa.tickets.closedAmong(chunk.map((t) => t.ticketId))
      for (const ticket of tickets) {
        const record = chunk.find((t) => t.ticketId === ticket.id)
        if (!record) continue
        count(
          tally,
          await deps.ticket.handle(
            streams.ticket(record.threatKey),
            {
              type: 'RecordClosed',
              data: {
                ticketId: ticket.id,
                mappingId: record.mappingId,
                threatKey: record.threatKey,
                by: 'technician',
                statusId: ticket.statusId
              }
            },
            cause
          )
        )
      }
    }
  }
