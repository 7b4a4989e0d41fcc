import { z } from 'zod'
import { EventAction, EventCategory, EventTypeId } from '../domain/integrationEvents.js'
import {
  BillingSettings,
  ClientId,
  CompanyId,
  ItemMap,
  Month,
  TicketingConfiguration,
  TicketingSettings
} from '../domain/facts.js'
import { parseIsoTime } from '../domain/isoTime.js'

/**
 * The shapes of the HTTP interface (README.md#http-interface), one zod schema each; routes validate
 * with them and the OpenAPI document at /docs is generated from them.
 */

const register = <T extends z.ZodType>(schema: T, id: string): T => {
  z.globalRegistry.add(schema, { id })
  return schema
}

const ErrorBody = register(
  z.object({
    error: z.object({
      code: z.string().describe('stable snake_case code'),
      message: z.string(),
      details: z.unknown().optional()
    })
  }),
  'Error'
)

export const errorResponses = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, ErrorBody]))

export const Position = z.string().regex(/^\d+$/).describe('a global position, as a decimal string')

export const AuditFact = register(
  z.object({
    position: Position,
    stream: z.string(),
    revision: z.string().regex(/^\d+$/),
    id: z.string(),
    type: z.string(),
    data: z.unknown(),
    metadata: z.record(z.string(), z.unknown()),
    recordedAt: z.string()
  }),
  'AuditFact'
)

export const EventSubject = z.object({
  mappingId: z.string().optional(),
  gravityzoneCompanyId: z.string().optional(),
  gravityzoneCompanyName: z.string().optional(),
  halopsaClientId: z.number().optional(),
  halopsaClientName: z.string().optional(),
  itemId: z.number().optional(),
  ticketId: z.number().optional(),
  platform: z.enum(['gravityzone', 'halopsa']).optional()
})

export const IntegrationEvent = register(
  z.object({
    id: z.string(),
    type: EventTypeId,
    category: EventCategory,
    title: z.string(),
    description: z.string(),
    recommendedAction: z.string().optional(),
    subject: EventSubject,
    details: z.record(z.string(), z.unknown()).optional().describe('recurring-invoice-missing: the candidate invoices'),
    actions: z.array(EventAction),
    status: z.enum(['active', 'closed']),
    raisedAt: z.string(),
    closedAt: z.string().optional(),
    closedBy: z
      .object({
        actor: z.string(),
        factId: z.string(),
        factType: z.string(),
        action: EventAction.optional(),
        reason: z.string().optional()
      })
      .optional(),
    facts: z.array(AuditFact).optional()
  }),
  'IntegrationEvent'
)

export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() })

export const EventCounts = register(
  z.object({
    active: z.number().int(),
    byCategory: z.object({
      mapping: z.number().int(),
      billing: z.number().int(),
      ticketing: z.number().int(),
      connection: z.number().int()
    }),
    byType: z.record(EventTypeId, z.number().int())
  }),
  'EventCounts'
)

export const RecheckResults = register(
  z.object({
    results: z.array(
      z.object({
        eventId: z.string(),
        type: EventTypeId,
        outcome: z.enum(['closed', 'still-active', 'failed']),
        message: z.string().optional()
      })
    )
  }),
  'RecheckResults'
)

export const Mapping = register(
  z.object({
    id: z.string(),
    gravityzoneCompanyId: z.string(),
    gravityzoneCompanyName: z.string().optional(),
    halopsaClientId: z.number().int(),
    halopsaClientName: z.string().optional(),
    billing: BillingSettings,
    ticketing: TicketingSettings,
    status: z.enum(['ok', 'has-events', 'suspended']),
    activeEvents: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
    lastBilledMonth: z.string().optional(),
    ticketsCreated: z.number().int()
  }),
  'Mapping'
)

export const NewMapping = register(
  z
    .object({
      gravityzoneCompanyId: CompanyId,
      halopsaClientId: ClientId,
      billing: BillingSettings.default({ enabled: false }),
      ticketing: TicketingSettings.default({ enabled: false })
    })
    .strict(),
  'NewMapping'
)

export const MappingPatch = register(
  z
    .object({
      gravityzoneCompanyId: CompanyId.optional(),
      halopsaClientId: ClientId.optional(),
      billing: z
        .object({
          enabled: z.boolean().optional(),
          /** null switches custom billing off (back to the global item mapping). */
          items: ItemMap.nullable().optional(),
          recurringInvoiceId: BillingSettings.shape.recurringInvoiceId
        })
        .strict()
        .optional(),
      ticketing: TicketingSettings.partial().strict().optional()
    })
    .strict()
    .refine((p) => Object.keys(p).length > 0, 'a patch needs at least one field'),
  'MappingPatch'
)

export const BillingConfiguration = register(z.object({ items: ItemMap }).strict(), 'BillingConfiguration')

export const TicketingConfigurationBody = register(TicketingConfiguration.strict(), 'TicketingConfiguration')

export const EventListQuery = z.object({
  status: z.enum(['active', 'closed', 'all']).default('active'),
  category: EventCategory.optional(),
  type: EventTypeId.optional(),
  mappingId: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional()
})

/** An ISO 8601 date or time whose fields exist (`2024-02-30` does not). */
const IsoTime = z
  .string()
  .max(40)
  .refine((v) => parseIsoTime(v) !== undefined, 'expected an ISO 8601 date or time, e.g. 2024-02-29T10:00:00Z')

export const AuditQuery = z.object({
  stream: z.string().max(300).optional(),
  type: z.string().max(300).optional(),
  mappingId: z.string().max(64).optional(),
  from: IsoTime.optional(),
  to: IsoTime.optional(),
  after: z
    .string()
    .max(40)
    .describe('a position from this API (a decimal string, no later than the newest fact; 400 invalid_position)')
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100)
})

export const BillingRunQuery = z.object({ month: Month.optional() })

export const IdParams = z.object({ id: z.string().min(1).max(120) })
