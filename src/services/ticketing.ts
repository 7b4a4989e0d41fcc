import type { StoredFact } from '../store/port.js'
import type { Cause } from '../domain/metadata.js'
import type { Fact, FactData, FactOf, TicketingConfiguration } from '../domain/facts.js'
import { factTime, planTicket, threatTicketOf, type TicketCommand, type TicketState } from '../domain/ticket.js'
import type { TicketingConfigCommand, TicketingConfigState } from '../domain/ticketingConfig.js'
import { decideTicket, defaultTicketRules, priorityFor, type TicketRules } from '../domain/ticketRules.js'
import { streams } from '../domain/streams.js'
import { integrationEventsProjection, isSuspended } from '../../projections/integrationEvents.js'
import { mappingsProjection } from '../../projections/mappings.js'
import { familyTicket, ticketsProjection } from '../../projections/tickets.js'
import type { GravityZoneClient } from '../platforms/gravityzone/client.js'
import type { HaloPsaClient } from '../platforms/halopsa/client.js'
import { isPlatformError } from '../platforms/transport/errors.js'
import { systemClock, type Clock } from '../platforms/transport/clock.js'
import type { CommandHandler } from './commandHandler.js'
import type { ProjectionRunner } from './projectionRunner.js'
import type { Logger } from '../logger.js'
import type { TicketAssetContext } from './assets.js'
import type { TicketingContext, TicketWork } from './ticketing/context.js'
import { createTicket } from './ticketing/creation.js'
import { consolidate, noteRepeat } from './ticketing/notes.js'
import { reopenTicket } from './ticketing/reopening.js'
import { createRetries, type RetryPolicy } from './ticketing/retries.js'
import { ruleEventOf } from './ticketing/ruleEvent.js'
import { createStatusLookups } from './ticketing/statuses.js'

/**
 * Ticketing (docs/platforms/halopsa.md#tickets-and-actions, docs/ticket-rules.md): each GravityZone
 * security event of a configured module, for a ticketing-enabled and non-suspended mapping, is
 * handed to the ticket rules, which say whether it becomes a new ticket for the mapped client, a
 * note on the threat's open ticket, a re-open of its recently closed one, a note on another
 * endpoint's ticket for the same threat, or nothing. Transient HaloPSA failures are retried
 * (ticketing/retries.ts); tickets for blocked threats are closed when auto-close is on; tickets
 * closed by a technician are recorded from HaloPSA's webhook.
 */

type TicketingOptions = {
  runner: ProjectionRunner
  ticket: CommandHandler<TicketCommand, TicketState>
  ticketingConfig: CommandHandler<TicketingConfigCommand, TicketingConfigState>
  ticketingConfiguration(): Promise<TicketingConfiguration | undefined>
  /** The ticket rules in force; the defaults (today's behaviour) when absent. */
  ticketRules?(): Promise<TicketRules>
  halopsa: HaloPsaClient
  gravityzone: GravityZoneClient
  clock?: Clock
  logger?: Logger
  /** Backoff between attempts after a transient failure, and how long to keep trying. */
  retry?: RetryPolicy
  /** How long a looked-up status list is trusted. */
  statusCacheMs?: number
  /** The asset a new ticket carries and what it says about the endpoint (docs/assets.md#tickets). */
  assets?: { assetFor(mappingId: string, endpointId: string | undefined): TicketAssetContext }
}

export const createTicketing = (options: TicketingOptions) => {
  const clock = options.clock ?? systemClock
  const retries = createRetries({ clock, ...(options.retry ? { policy: options.retry } : {}), ...logger(options) })
  const statuses = createStatusLookups({
    halopsa: options.halopsa,
    clock,
    cacheMs: options.statusCacheMs ?? 5 * 60 * 1000
  })
  const ticketRules = options.ticketRules ?? (async () => defaultTicketRules())
  /** The last position this service appended: the tickets read model must have it before a consolidation. */
  let written = 0n
  const ctx: TicketingContext = {
    halopsa: options.halopsa,
    ticketingConfig: options.ticketingConfig,
    async record(threatKey, command, cause) {
      const result = await options.ticket.handle(streams.ticket(threatKey), command, cause)
      if (result.position !== null && result.position > written) written = result.position
      return result
    },
    load: (threatKey) => options.ticket.load(streams.ticket(threatKey)),
    retries,
    statuses,
    ...(options.assets ? { assets: options.assets } : {}),
    ...logger(options)
  }

  const skip = (
    data: FactData<'SecurityEventReceived'>,
    reason: FactData<'TicketingSkipped'>['reason'],
    mappingId: string | undefined,
    cause: Cause,
    rule?: number
  ) =>
    ctx.record(
      data.threatKey,
      {
        type: 'RecordSkipped',
        data: {
          securityEventKey: data.eventKey,
          module: data.module,
          ...(data.companyId !== undefined ? { companyId: data.companyId } : {}),
          ...(mappingId !== undefined ? { mappingId } : {}),
          reason,
          ...(rule !== undefined ? { rule } : {})
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

  /** What the rules decide, given the threat's stream and, when endpoints are consolidated, the client's tickets. */
  const decide = async (work: TicketWork, state: TicketState) => {
    const owner = state.linkedTo !== undefined ? await ctx.load(state.linkedTo) : undefined
    const threat = threatTicketOf(state, owner)
    let family
    if (work.rules.consolidation.endpointWindowMinutes !== undefined) {
      await options.runner.waitForPosition(written)
      family = familyTicket(options.runner.state(ticketsProjection), work.mapping.id, work.event.familyKey)
    }
    return decideTicket(work.rules, {
      event: work.event,
      ...(threat ? { threat } : {}),
      ...(family ? { family } : {}),
      ...(work.config.priorityId !== undefined ? { defaultPriorityId: work.config.priorityId } : {})
    })
  }

  const onSecurityEvent = async (fact: StoredFact & FactOf<'SecurityEventReceived'>) => {
    const { data } = fact
    const cause: Cause = { actor: 'relay', correlationId: fact.metadata.correlationId, causationId: fact.id }
    const state = await ctx.load(data.threatKey)
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

    const work: TicketWork = {
      data,
      event: ruleEventOf(data, factTime(fact)),
      mapping,
      config,
      rules: await ticketRules(),
      cause
    }
    const fallback = (why: 'ticket-closed' | 'ticket-gone' | 'new-threat') => ({
      why,
      ...priorityFor(work.rules, work.event, config.priorityId)
    })
    // A creation started before a crash goes on: the decision was taken then.
    if (plan.action === 'create' && plan.recover !== undefined)
      return createTicket(ctx, work, fallback('new-threat'), plan.recover)

    const decision = await decide(work, state)
    switch (decision.action) {
      case 'skip':
        return void (await skip(data, 'excluded-by-rule', mapping.id, cause, decision.rule))
      case 'create':
        return createTicket(ctx, work, decision)
      case 'note': {
        const noted = await noteRepeat(ctx, work, decision.ticketId)
        if (noted !== 'noted') await createTicket(ctx, work, fallback(noted))
        return
      }
      case 'reopen':
        if (!(await reopenTicket(ctx, work, decision.ticketId)))
          await createTicket(ctx, work, fallback('ticket-closed'))
        return
      case 'consolidate': {
        const into = options.runner.state(ticketsProjection).byId.get(decision.ticketId)?.threatKey
        if (into === undefined || !(await consolidate(ctx, work, decision.ticketId, into)))
          await createTicket(ctx, work, fallback(state.ticketId === undefined ? 'new-threat' : 'ticket-closed'))
        return
      }
    }
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
      closed = config !== undefined && (await statuses.closedStatusId(config.closedStatusName)) === statusId
    }
    if (!closed) return
    const cause: Cause = { actor: 'halopsa', correlationId: fact.metadata.correlationId, causationId: fact.id }
    await ctx.record(
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
    pending: retries.pending,
    async handle(fact: StoredFact & Fact): Promise<void> {
      if (fact.type === 'SecurityEventReceived') await onSecurityEvent(fact)
      else if (fact.type === 'HaloWebhookReceived') await onHaloNotification(fact)
    }
  }
}

const logger = (options: { logger?: Logger }) => (options.logger ? { logger: options.logger } : {})

export type Ticketing = ReturnType<typeof createTicketing>
