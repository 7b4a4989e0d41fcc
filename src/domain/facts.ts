import { z } from 'zod'
import { TicketRules } from './ticketRules.js'
import { isKnownUsageCounter } from './usageCounters.js'
import { AssetMatchingRule, DirectoryAsset, DirectoryEndpoint } from './assets.js'

/**
 * The catalogue of facts: every kind of thing the relay records, past tense, with the zod schema of
 * its data. Nothing about the relay's state is stored any other way
 * (docs/architecture.md#the-catalogue).
 */

// #region shared pieces
export const MappingId = z.string().min(1).max(64)
export const CompanyId = z.string().min(1).max(64).describe('GravityZone company id')
export const ClientId = z.number().int().positive().describe('HaloPSA client id')
const ItemId = z.number().int().positive().describe('HaloPSA item id')
const TicketId = z.number().int().positive().describe('HaloPSA ticket id')
/**
 * Recurring invoices are invoice headers with negative ids in HaloPSA
 * (docs/platforms/halopsa.md#recurring-invoices).
 */
const RecurringInvoiceId = z
  .number()
  .int()
  .refine((n) => n !== 0, 'a recurring invoice id is never 0')
export const Month = z.string().regex(/^(0[1-9]|1[0-2])\/\d{4}$/, 'a month is MM/YYYY')
/** A GravityZone usage counter (getMonthlyUsage field), e.g. endpointMonthlyUsage. */
const UsageCounter = z.string().regex(/^[A-Za-z][A-Za-z0-9]{1,80}$/, 'a usage counter is a GravityZone counter name')
/** A counter an item mapping may bill: one GravityZone reports (usageCounters.ts). */
const BillableCounter = z
  .string()
  .max(80)
  .refine(
    (name): boolean => isKnownUsageCounter(name),
    'not a GravityZone usage counter (see docs/platforms/gravityzone.md)'
  )
export const ItemMap = z.record(BillableCounter, ItemId)

export const BillingSettings = z.object({
  enabled: z.boolean(),
  /** Custom billing: replaces the global item mapping for this mapping. */
  items: ItemMap.optional(),
  recurringInvoiceId: RecurringInvoiceId.optional()
})
export const TicketingSettings = z.object({ enabled: z.boolean() })

const Names = {
  gravityzoneCompanyName: z.string().optional(),
  halopsaClientName: z.string().optional()
}

export const TicketingConfiguration = z.object({
  ticketTypeId: z.number().int().positive(),
  priorityId: z.number().int().positive().optional(),
  /** Status a new ticket is given; the ticket type's initial status when absent. */
  statusId: z.number().int().positive().optional(),
  closedStatusName: z.string().min(1).default('Closed'),
  autoCloseBlocked: z.boolean(),
  /** GravityZone push modules whose events become tickets (av, hd, …). */
  modules: z.array(z.string().min(1)).default([])
})
export type TicketingConfiguration = z.infer<typeof TicketingConfiguration>

/** A pushed event's text as sent (bounded like the event itself: 256 KiB). */
const RawText = z.string().max(256 * 1024)

const InvoiceCandidate = z.object({
  recurringInvoiceId: RecurringInvoiceId,
  reference: z.string().max(200).optional()
})

/**
 * One mapping in a billing proposal: the invoice and, per item, the quantity to write. Only
 * `update` lines are written when the proposal is approved; the others are kept for the facts.
 */
const ProposalEntry = z.object({
  mappingId: MappingId,
  recurringInvoiceId: RecurringInvoiceId,
  lines: z.array(
    z.object({
      itemId: ItemId,
      counters: z.array(UsageCounter).min(1),
      quantity: z.number().nonnegative(),
      previousQuantity: z.number().nullable(),
      action: z.enum(['update', 'unchanged', 'skip']),
      quantityType: z.number().int().optional()
    })
  )
})
const ProposalTotals = z.object({
  mappings: z.number().int().nonnegative(),
  billed: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  update: z.number().int().nonnegative(),
  unchanged: z.number().int().nonnegative(),
  skip: z.number().int().nonnegative()
})

const ProblemList = z.array(z.object({ field: z.string(), message: z.string() }))

export const Platform = z.enum(['gravityzone', 'halopsa'])
export type Platform = z.infer<typeof Platform>
/** A relay instance: INSTANCE_ID, or the host name with a random suffix. */
const InstanceId = z.string().min(1).max(128)
const PlatformFailure = z.object({ kind: z.string().max(40), message: z.string().max(500) })

/** The lists of each platform the relay keeps a copy of, as the polls read them (docs/dashboard.md). */
export const DirectoryKind = z.enum(['companies', 'clients', 'items', 'ticketTypes', 'statuses', 'priorities'])
export type DirectoryKind = z.infer<typeof DirectoryKind>
/** GravityZone ids are strings (24 hex characters), HaloPSA's numbers. */
export const DirectoryEntryId = z.union([z.string().min(1).max(64), z.number().int()])
export const DirectoryEntry = z.object({
  id: DirectoryEntryId,
  name: z.string().max(300),
  /** HaloPSA: an inactivated client. */
  inactive: z.boolean().optional(),
  /** GravityZone: a partner company (the others are customers). */
  partner: z.boolean().optional(),
  /** GravityZone: a suspended company. */
  suspended: z.boolean().optional()
})
export type DirectoryEntry = z.infer<typeof DirectoryEntry>
/** When the relay received the security event behind a ticket fact (the ticket rules' clock); absent in older facts. */
const EventAt = z.string().optional()
/** How the ticket rules decided a creation (docs/ticket-rules.md); absent in facts written before them. */
const TicketDecision = {
  eventAt: EventAt,
  /** The threat without the endpoint, for consolidating endpoints hit by the same threat. */
  familyKey: z.string().optional(),
  priorityId: z.number().int().positive().optional(),
  /** The index of the priority rule that gave priorityId; absent: the configured priority. */
  priorityRule: z.number().int().nonnegative().optional(),
  why: z.enum(['new-threat', 'ticket-closed', 'outside-window', 'ticket-gone']).optional()
}
// #endregion

const factSchemas = {
  // #region mappings and configuration
  MappingCreated: z.object({
    mappingId: MappingId,
    gravityzoneCompanyId: CompanyId,
    halopsaClientId: ClientId,
    ...Names,
    billing: BillingSettings,
    ticketing: TicketingSettings
  }),
  MappingUpdated: z.object({
    mappingId: MappingId,
    /** Only what changed, with its new value. */
    changes: z.object({
      gravityzoneCompanyId: CompanyId.optional(),
      halopsaClientId: ClientId.optional(),
      ...Names,
      billing: BillingSettings.optional(),
      ticketing: TicketingSettings.optional()
    })
  }),
  MappingDeleted: z.object({
    mappingId: MappingId,
    gravityzoneCompanyId: CompanyId,
    halopsaClientId: ClientId,
    reason: z.enum(['deleted', 'resolved']),
    /** The integration event whose Resolve action deleted the mapping. */
    eventId: z.string().optional()
  }),
  BillingConfigured: z.object({ items: ItemMap }),
  TicketingConfigured: TicketingConfiguration.extend({
    /** True when HaloPSA confirmed every id in it at the time of the change. */
    verified: z.boolean()
  }),
  TicketingConfigInvalid: z.object({
    problems: ProblemList,
    /** Set when a ticket for this mapping was refused because of the configuration. */
    mappingId: MappingId.optional(),
    securityEventKey: z.string().optional()
  }),
  TicketingConfigValid: z.object({ checked: z.array(z.string()) }),
  /** The ticket rules (docs/ticket-rules.md); each change replaces the whole rule set. */
  TicketRulesConfigured: TicketRules.extend({
    /** True when HaloPSA confirmed every priority and status id in them at the time of the change. */
    verified: z.boolean()
  }),
  // #endregion

  // #region inventory (both sides of a mapping)
  CompanyNotFound: z.object({
    mappingId: MappingId,
    gravityzoneCompanyId: CompanyId,
    halopsaClientId: ClientId,
    ...Names
  }),
  CompanyFound: z.object({
    mappingId: MappingId,
    gravityzoneCompanyId: CompanyId,
    gravityzoneCompanyName: z.string().optional()
  }),
  ClientDeleted: z.object({
    mappingId: MappingId,
    halopsaClientId: ClientId,
    gravityzoneCompanyId: CompanyId,
    ...Names,
    /** Gone from the API, or marked inactive in HaloPSA. */
    how: z.enum(['missing', 'inactive'])
  }),
  ClientFound: z.object({ mappingId: MappingId, halopsaClientId: ClientId, halopsaClientName: z.string().optional() }),
  /** Both sides gone at once: raises company-and-client-not-found instead of the two single events. */
  CompanyAndClientNotFound: z.object({
    mappingId: MappingId,
    gravityzoneCompanyId: CompanyId,
    halopsaClientId: ClientId,
    ...Names
  }),
  // #endregion

  // #region billing
  InvoiceMissing: z.object({
    mappingId: MappingId,
    halopsaClientId: ClientId,
    halopsaClientName: z.string().optional(),
    recurringInvoiceId: RecurringInvoiceId.optional(),
    /**
     * The client has several recurring invoices and none stands out (none, or more than one, carries
     * the mapped items): the operator links one (docs/billing.md#linking).
     */
    candidates: z.array(InvoiceCandidate).max(50).optional()
  }),
  InvoiceFound: z.object({ mappingId: MappingId, recurringInvoiceId: RecurringInvoiceId }),
  /**
   * The mapping bills to this recurring invoice from now on: the client's only one, the one that
   * already carries the mapped items, or one created for it (docs/billing.md#linking).
   */
  RecurringInvoiceLinked: z.object({
    mappingId: MappingId,
    halopsaClientId: ClientId,
    recurringInvoiceId: RecurringInvoiceId,
    how: z.enum(['only', 'carries-items', 'created']),
    /** The name of an invoice the relay created. */
    name: z.string().max(200).optional()
  }),
  RecurringInvoiceGenerated: z.object({
    mappingId: MappingId,
    halopsaClientId: ClientId,
    recurringInvoiceId: RecurringInvoiceId,
    name: z.string()
  }),
  ItemMissing: z.object({
    itemId: ItemId,
    scope: z.enum(['global', 'custom']),
    /** Custom billing: the mapping whose item mapping names the item. */
    mappingId: MappingId.optional(),
    counters: z.array(UsageCounter)
  }),
  ItemFound: z.object({ itemId: ItemId, scope: z.enum(['global', 'custom']), mappingId: MappingId.optional() }),
  UsageBilled: z.object({
    mappingId: MappingId,
    month: Month,
    gravityzoneCompanyId: CompanyId,
    halopsaClientId: ClientId,
    recurringInvoiceId: RecurringInvoiceId,
    lines: z.array(
      z.object({
        counter: UsageCounter,
        itemId: ItemId,
        quantity: z.number().nonnegative(),
        previousQuantity: z.number().nullable(),
        /**
         * Left as it was: the item's line has a quantity HaloPSA calculates (licences, users or
         * assets), given as its recurring_invoice_quantity_type.
         */
        skipped: z.enum(['automatic_quantity']).optional(),
        quantityType: z.number().int().optional()
      })
    )
  }),
  BillingSkipped: z.object({
    mappingId: MappingId,
    month: Month,
    reason: z.enum([
      'suspended',
      'billing-disabled',
      'invoice-missing',
      'item-missing',
      'no-items',
      'configuration-error',
      'upstream-error'
    ]),
    detail: z.string().optional()
  }),
  BillingRunCompleted: z.object({
    runId: z.string(),
    month: Month,
    mappings: z.number().int(),
    billed: z.number().int(),
    unchanged: z.number().int(),
    skipped: z.number().int(),
    failed: z.number().int(),
    durationMs: z.number().int(),
    /** The approved proposal this run applied (BILLING_APPROVAL=manual). */
    proposalId: z.string().optional()
  }),
  /**
   * BILLING_APPROVAL=manual: what a billing run would write, kept until an operator approves it
   * (docs/billing.md#approval). The entries of a large plan continue in BillingProposalPart facts
   * appended with it, so no fact grows past a few hundred KiB.
   */
  BillingProposed: z.object({
    proposalId: z.string().max(64),
    month: Month,
    /** The pending proposal of the month this one replaces. */
    supersedes: z.string().max(64).optional(),
    totals: ProposalTotals,
    /** How many BillingProposalPart facts follow with the rest of the entries. */
    parts: z.number().int().nonnegative(),
    plan: z.object({ entries: z.array(ProposalEntry) })
  }),
  BillingProposalPart: z.object({
    proposalId: z.string().max(64),
    part: z.number().int().positive(),
    entries: z.array(ProposalEntry)
  }),
  /** An operator approved the proposal; the run that applies it follows (BillingRunCompleted.proposalId). */
  BillingProposalApproved: z.object({ proposalId: z.string().max(64), month: Month, approvedBy: z.string() }),
  // #endregion

  // #region GravityZone push deliveries
  SecurityEventReceived: z.object({
    deliveryId: z.string(),
    index: z.number().int().nonnegative(),
    /** Hash of the event's own content: the same event in another batch has the same key. */
    eventKey: z.string(),
    /** Hash of module + endpoint + threat identity: a repeat of the same threat on the same endpoint. */
    threatKey: z.string(),
    module: z.string(),
    companyId: CompanyId.optional(),
    endpointId: z.string().optional(),
    endpointName: z.string().optional(),
    threatName: z.string().optional(),
    /** The threat was blocked, deleted, quarantined or cleaned (candidates for auto-close). */
    blocked: z.boolean(),
    isTest: z.boolean(),
    occurredAt: z.string().optional(),
    event: z.record(z.string(), z.unknown()),
    /** The event's text as sent, when it holds a number JSON.parse cannot keep (such as 1e400). */
    rawText: RawText.optional()
  }),
  /** A push event that is not a security event (install, modules, task-status, …): kept for the audit. */
  PlatformEventReceived: z.object({
    deliveryId: z.string(),
    index: z.number().int().nonnegative(),
    module: z.string(),
    companyId: CompanyId.optional(),
    isTest: z.boolean(),
    event: z.record(z.string(), z.unknown()),
    rawText: RawText.optional()
  }),
  /** A push event that failed validation: kept, with the reason, instead of failing the batch. */
  PushEventInvalid: z.object({
    deliveryId: z.string(),
    index: z.number().int().nonnegative(),
    reason: z.string(),
    /** The event as sent; a preview string when it was nested too deep or too large to keep. */
    raw: z.unknown(),
    rawText: RawText.optional()
  }),
  PushServiceRearmed: z.object({ previousStatus: z.number().int(), url: z.string(), reason: z.string() }),
  PushServiceChecked: z.object({ status: z.number().int(), errorMessages: z.number().int().optional() }),
  /** GravityZone refused push subscription keys by name; the settings were stored without them. */
  PushSubscriptionKeysDropped: z.object({
    dropped: z.array(z.string().max(64)).min(1).max(64),
    subscribed: z.array(z.string().max(64)).max(64),
    /** GravityZone's own error text (never the push authorization). */
    reason: z.string().max(400)
  }),
  // #endregion

  // #region ticketing
  TicketCreated: z.object({
    mappingId: MappingId,
    ticketId: TicketId,
    halopsaClientId: ClientId,
    threatKey: z.string(),
    securityEventKey: z.string(),
    summary: z.string(),
    blocked: z.boolean(),
    ...TicketDecision,
    /** The HaloPSA asset the ticket was created with (docs/assets.md). */
    haloAssetId: z.number().int().positive().optional()
  }),
  /**
   * Written before HaloPSA is asked to create a ticket: if the relay dies before recording the
   * outcome, the retry looks for the ticket by its marker instead of creating a second one.
   */
  TicketCreationStarted: z.object({
    mappingId: MappingId,
    halopsaClientId: ClientId,
    threatKey: z.string(),
    securityEventKey: z.string(),
    /** Stored in the ticket's third_party_id_string. */
    marker: z.string()
  }),
  TicketNoteAdded: z.object({
    mappingId: MappingId,
    ticketId: TicketId,
    threatKey: z.string(),
    securityEventKey: z.string(),
    eventAt: EventAt,
    /** The event is another endpoint's: the ticket belongs to this threat key's stream. */
    consolidatedInto: z.string().optional()
  }),
  /** A closed ticket set back to an open status because its threat came back (ticket rules: reopen). */
  TicketReopened: z.object({
    mappingId: MappingId,
    ticketId: TicketId,
    threatKey: z.string(),
    securityEventKey: z.string(),
    eventAt: EventAt,
    statusId: z.number().int().positive(),
    /** Whether the repeat note was added after the status change. */
    noted: z.boolean()
  }),
  TicketCreateFailed: z.object({
    mappingId: MappingId,
    halopsaClientId: ClientId,
    threatKey: z.string(),
    securityEventKey: z.string(),
    /**
     * transient: still failing after the retries; refused: HaloPSA said no; configuration: refused
     * because of our ticketing configuration; unconfirmed: a creation that may have happened (crash
     * or lost answer) could not be confirmed or ruled out, so no second ticket was created.
     */
    cause: z.enum(['transient', 'refused', 'configuration', 'unconfirmed']),
    status: z.number().int().optional(),
    message: z.string(),
    attempts: z.number().int().positive()
  }),
  /** A repeat could not be added to the open ticket as a note; the ticket is still there, so no new one. */
  TicketNoteFailed: z.object({
    mappingId: MappingId,
    ticketId: TicketId,
    threatKey: z.string(),
    securityEventKey: z.string(),
    status: z.number().int().optional(),
    message: z.string(),
    attempts: z.number().int().positive()
  }),
  TicketClosed: z.object({
    ticketId: TicketId,
    mappingId: MappingId.optional(),
    threatKey: z.string().optional(),
    /**
     * auto-close: the relay closed it (blocked threat); technician: seen closed in HaloPSA; gone: it
     * no longer takes notes (deleted or merged).
     */
    by: z.enum(['auto-close', 'technician', 'gone']),
    statusId: z.number().int().optional()
  }),
  TicketCloseFailed: z.object({
    mappingId: MappingId,
    halopsaClientId: ClientId,
    ticketId: TicketId,
    threatKey: z.string(),
    message: z.string()
  }),
  TicketingSkipped: z.object({
    securityEventKey: z.string(),
    module: z.string(),
    companyId: CompanyId.optional(),
    mappingId: MappingId.optional(),
    reason: z.enum([
      'unmapped',
      'suspended',
      'ticketing-disabled',
      'module-not-ticketed',
      'not-configured',
      'test-event',
      'already-handled',
      'no-company',
      'excluded-by-rule'
    ]),
    /** For excluded-by-rule: the index of the exclusion that matched. */
    rule: z.number().int().nonnegative().optional()
  }),
  /**
   * An operator asked for a security event that was skipped or failed to be handed to ticketing
   * again (after a fix, such as a mapping created since). The ticketing processor handles it like
   * a new arrival of the event it names; the ticket decider refuses one for an event that has a
   * ticket or a note already (docs/security-events.md#replay).
   */
  SecurityEventReplayRequested: z.object({
    eventKey: z.string(),
    threatKey: z.string(),
    /** The SecurityEventReceived fact replayed: its id and global position. */
    factId: z.string(),
    position: z.string().regex(/^\d+$/),
    /** Who asked (the API token's name, or the CLI's operator). */
    actor: z.string().max(120),
    /** What the event's outcome was when the replay was asked for. */
    previousOutcome: z.enum(['skipped', 'failed']),
    reason: z.string().max(500).optional(),
    /**
     * When the event had left the security events read model's memory (an older settled event):
     * what the read model needs to take it back (docs/security-events.md#memory).
     */
    archived: z
      .object({
        module: z.string().max(64),
        companyId: z.string().max(64).optional(),
        mappingId: z.string().max(64).optional(),
        endpointName: z.string().max(200).optional(),
        threatName: z.string().max(200).optional(),
        isTest: z.boolean(),
        receivedAt: z.string().max(40),
        occurredAt: z.string().max(40).optional(),
        replays: z.number().int().min(0)
      })
      .optional()
  }),
  // #endregion

  // #region assets (docs/assets.md): the directory, the rule's matches, manual links; stream assets-<mappingId>
  /** The mapped company's endpoints changed since the last read (a big first read spans several facts). */
  EndpointsChanged: z.object({
    mappingId: MappingId,
    gravityzoneCompanyId: CompanyId,
    added: z.array(DirectoryEndpoint),
    changed: z.array(DirectoryEndpoint),
    removed: z.array(DirectoryEndpoint.shape.id)
  }),
  /** The mapped client's HaloPSA assets changed since the last read. */
  HaloAssetsChanged: z.object({
    mappingId: MappingId,
    halopsaClientId: ClientId,
    added: z.array(DirectoryAsset),
    changed: z.array(DirectoryAsset),
    removed: z.array(DirectoryAsset.shape.id)
  }),
  /** What the matching rule pairs changed: endpoints newly (or differently) matched, and no longer matched. */
  AssetMatchesChanged: z.object({
    mappingId: MappingId,
    rule: AssetMatchingRule,
    matched: z.array(z.object({ endpointId: DirectoryEndpoint.shape.id, haloAssetId: DirectoryAsset.shape.id })),
    unmatched: z.array(DirectoryEndpoint.shape.id)
  }),
  /** An operator linked an endpoint to an asset by hand; it wins over the rule. */
  AssetLinked: z.object({
    mappingId: MappingId,
    endpointId: DirectoryEndpoint.shape.id,
    haloAssetId: DirectoryAsset.shape.id
  }),
  /** An operator said the endpoint has no asset, whatever the rule says. */
  AssetUnlinked: z.object({ mappingId: MappingId, endpointId: DirectoryEndpoint.shape.id }),
  /** The endpoint is back to the rule: its manual link or unlink is gone. */
  AssetOverrideCleared: z.object({ mappingId: MappingId, endpointId: DirectoryEndpoint.shape.id }),
  /** The mapping's own matching rule (null: back to the global one). */
  MappingAssetMatchingSet: z.object({ mappingId: MappingId, rule: AssetMatchingRule.nullable() }),
  /** The global matching rule (stream assetMatching-main). */
  AssetMatchingConfigured: z.object({ rule: AssetMatchingRule }),
  // #endregion

  // #region HaloPSA webhooks
  HaloWebhookReceived: z.object({
    deliveryId: z.string(),
    index: z.number().int().nonnegative(),
    /** HaloPSA's own id for the notification (a GUID). */
    haloId: z.string().optional(),
    event: z.string(),
    objectId: z.number().int().optional(),
    ticketId: TicketId.optional(),
    statusId: z.number().int().optional(),
    clientId: z.number().int().optional(),
    hasBeenClosed: z.boolean().optional(),
    clientInactive: z.boolean().optional(),
    body: z.unknown()
  }),
  /** Authenticated, but nothing usable in it: kept so the operator can see what HaloPSA sent. */
  HaloWebhookInvalid: z.object({ deliveryId: z.string(), reason: z.string(), body: z.string() }),
  /**
   * The relay's HaloPSA webhook, read back after registering it, lacks something it needs: it
   * could not be created at all, has no "ticket status changed" notification, no Basic user, or is
   * switched off. An operator finishes it in HaloPSA (docs/platforms/halopsa-webhook-setup.md).
   */
  HaloWebhookRegistrationIncomplete: z.object({
    url: z.string(),
    webhookId: z.string().optional(),
    missing: z.array(z.enum(['webhook', 'ticket-status-event', 'basic-auth', 'active'])).min(1),
    message: z.string().optional()
  }),
  /** The webhook, read back, has everything the relay can check. */
  HaloWebhookRegistrationComplete: z.object({ url: z.string(), webhookId: z.string() }),
  // #endregion

  // #region actions on integration events
  RecheckRequested: z.object({ eventId: z.string(), eventType: z.string(), mappingId: MappingId.optional() }),
  RecheckCompleted: z.object({
    eventId: z.string(),
    eventType: z.string(),
    mappingId: MappingId.optional(),
    outcome: z.enum(['closed', 'still-active', 'failed']),
    message: z.string().optional()
  }),
  EventAcknowledged: z.object({ eventId: z.string(), eventType: z.string(), mappingId: MappingId.optional() }),
  // #endregion

  // #region runs and processors
  SyncRunCompleted: z.object({
    runId: z.string(),
    checked: z.object({
      mappings: z.number().int(),
      companies: z.number().int(),
      clients: z.number().int(),
      items: z.number().int(),
      invoices: z.number().int(),
      ticketing: z.boolean()
    }),
    changes: z.array(z.string()),
    calls: z.object({ gravityzone: z.number().int(), halopsa: z.number().int() }),
    durationMs: z.number().int()
  }),
  ProcessorCheckpointed: z.object({ processor: z.string(), position: z.string().regex(/^\d+$/) }),
  /**
   * A processor's handler failed on a fact the same way again (or too often): the processor moved
   * on without it. It stays parked until an operator retries it.
   */
  FactParked: z.object({
    processor: z.string(),
    /** The parked fact's global position, id and type. */
    position: z.string().regex(/^\d+$/),
    factId: z.string(),
    factType: z.string(),
    /** The handler's last error (its name and message, cut to 500 characters). */
    error: z.string().max(500),
    attempts: z.number().int().positive()
  }),
  /** An operator asked the processor to hand a parked fact to its handler again. */
  ParkedFactRetried: z.object({
    processor: z.string(),
    position: z.string().regex(/^\d+$/),
    factId: z.string(),
    factType: z.string()
  }),
  // #endregion

  // #region notifications (docs/notifications.md)
  /**
   * The outbound notification targets. A target's URL (a Slack or Teams webhook URL is itself a
   * credential) and its signing secret never enter a fact in clear: they are sealed together with
   * a key derived from NOTIFY_SECRET_KEY (AES-256-GCM); only the URL's origin is kept to show.
   */
  NotificationsConfigured: z.object({
    targets: z
      .array(
        z.object({
          name: z.string().min(1).max(64),
          /** The URL's scheme, host and port, to show. */
          endpoint: z.string().max(300),
          format: z.enum(['json', 'teams', 'slack']),
          on: z
            .array(z.enum(['raised', 'closed', 'platform']))
            .min(1)
            .max(3),
          hasSecret: z.boolean(),
          /** `{ url, secret? }` as JSON, sealed. */
          sealed: z.object({
            alg: z.literal('A256GCM'),
            iv: z.string().max(40),
            tag: z.string().max(40),
            data: z.string().max(4000)
          })
        })
      )
      .max(20)
  }),
  /** A notification is about to be sent (attempt n): written before the request goes out. */
  NotificationAttempted: z.object({
    /** The delivery's idempotency key, the same on every attempt and after a restart. */
    id: z.string().max(80),
    target: z.string().max(64),
    kind: z.enum(['raised', 'closed']),
    eventId: z.string().max(200),
    eventType: z.string().max(80),
    attempt: z.number().int().positive()
  }),
  NotificationDelivered: z.object({
    id: z.string().max(80),
    target: z.string().max(64),
    status: z.number().int(),
    attempt: z.number().int().positive()
  }),
  NotificationFailed: z.object({
    id: z.string().max(80),
    target: z.string().max(64),
    attempt: z.number().int().positive(),
    status: z.number().int().optional(),
    message: z.string().max(500),
    /** No more attempts: the retries are spent (or the target cannot be used). */
    final: z.boolean(),
    retryInMs: z.number().int().nonnegative().optional()
  }),
  // #endregion

  // #region platform directories (domain/directory.ts): what changed in a list the polls read
  /**
   * Entries added to, removed from or changed in one platform list since the last poll; a list
   * larger than one fact allows arrives in several (each under ~256 KB).
   */
  DirectoryChanged: z.object({
    platform: Platform,
    kind: DirectoryKind,
    added: z.array(DirectoryEntry).max(5_000),
    removed: z.array(DirectoryEntryId).max(20_000),
    /** Entries whose name or flags changed, as they are now. */
    changed: z.array(DirectoryEntry).max(5_000)
  }),
  // #endregion

  // #region leadership (services/leadership.ts): the lease on the work that must happen once
  /**
   * An instance took the lease with a new term (appended with the revision it read, so two
   * contenders cannot both win). `expiresAt` is informational: the instances time the lease on
   * their own monotonic clocks, never on each other's wall clocks.
   */
  LeaseAcquired: z.object({
    instanceId: InstanceId,
    term: z.number().int().positive(),
    expiresAt: z.string(),
    /** Who held it before, when someone did. */
    previousInstanceId: InstanceId.optional()
  }),
  /** The holder renewed the lease for its term. */
  LeaseRenewed: z.object({ instanceId: InstanceId, term: z.number().int().positive(), expiresAt: z.string() }),
  /** The holder stopped its leader work and gave the lease up (a clean shutdown): anyone may take it at once. */
  LeaseReleased: z.object({ instanceId: InstanceId, term: z.number().int().positive() }),
  // #endregion

  // #region platform connections (services/platformHealth.ts): transitions only, never repeated
  /** Calls to the platform kept failing (network, timeout, 5xx, credentials refused) since `since`. */
  PlatformUnreachable: z.object({
    platform: Platform,
    since: z.string(),
    /** The last failure: its kind and a message naming the call, never a credential. */
    lastError: PlatformFailure
  }),
  /** The platform answered again at `since`, after being unreachable from `downSince`. */
  PlatformRecovered: z.object({
    platform: Platform,
    since: z.string(),
    downSince: z.string().optional(),
    lastError: PlatformFailure.optional()
  })
  // #endregion
} as const

export type FactType = keyof typeof factSchemas
export type FactData<T extends FactType> = z.infer<(typeof factSchemas)[T]>
export const factTypes = Object.keys(factSchemas) as FactType[]

/** A fact as the domain sees it: type and validated data (ids and metadata belong to the store). */
export type DomainFact = { [T in FactType]: { type: T; data: FactData<T> } }[FactType]

/** What a fold reads of a recorded fact besides its type and data (the store adds more). */
type FactEnvelope = {
  id: string
  recordedAt: Date
  metadata?: { actor?: string; causationId?: string; [key: string]: unknown }
}

/** A recorded fact of type T: its data has the catalogue's shape for T. */
export type FactOf<T extends FactType> = FactEnvelope & { type: T; data: FactData<T> }

/** Any recorded fact of the catalogue: switching on `fact.type` narrows `fact.data`. */
export type Fact = { [T in FactType]: FactOf<T> }[FactType]

/**
 * Where a stored fact enters the domain. The store keeps `type` and `data` generic (a string and
 * JSON); every fact in it was appended from this catalogue and validated by its schema on the way
 * in (domainFact, the webhook parsers), so its type names the shape of its data. A type assertion
 * only: nothing is checked again at run time, so folding costs what it did. A type the catalogue
 * no longer has falls through a fold's `default` branch.
 */
export const asFact = <F extends { type: string; data: unknown } & FactEnvelope>(fact: F): F & Fact => fact as F & Fact

/** The catalogue one type at a time, so that parsing a T's data gives FactData<T> without a cast. */
const schemaOf: { [T in FactType]: z.ZodType<FactData<T>> } = factSchemas

/** Validates data against its type's schema (throws a ZodError when it does not fit). */
export const parseFactData = <T extends FactType>(type: T, data: unknown): FactData<T> => schemaOf[type].parse(data)

export const domainFact = <T extends FactType>(type: T, data: FactData<T>): { type: T; data: FactData<T> } => ({
  type,
  data: parseFactData(type, data)
})
