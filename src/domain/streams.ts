/**
 * Stream names: `category-id`, with no dash inside the category, because EventStoreDB's
 * $by_category splits at the first dash (docs/architecture.md#stream-naming).
 */
export const streams = {
  /** Every mapping's lifecycle in one stream: the 1:1 rule needs all of them in one decision. */
  mappingRegistry: () => 'mappingRegistry-main',
  /** What the inventory checks observed about one mapping's company, client, invoice and items. */
  mappingHealth: (mappingId: string) => `mappingHealth-${mappingId}`,
  billingConfig: () => 'billingConfig-main',
  /** One mapping's asset directory, the rule's matches and the manual links (docs/assets.md). */
  assets: (mappingId: string) => `assets-${mappingId}`,
  /** The global asset matching rule. */
  assetMatching: () => 'assetMatching-main',
  ticketingConfig: () => 'ticketingConfig-main',
  /** Actions taken on one integration event (acknowledge, recheck). */
  integrationEvent: (eventId: string) => `integrationEvent-${eventId}`,
  /**
   * One GravityZone push delivery, by an id derived from the SHA-256 of its body that starts with
   * the delivery's send time (pushPreparation.ts): new streams land at the end of the stream index
   * instead of a random page, which makes appends cheaper
   * (docs/benchmarks.md#figures-behind-design-choices).
   */
  gzDelivery: (deliveryKey: string) => `gzDelivery-${deliveryKey}`,
  haloDelivery: (bodyHash: string) => `haloDelivery-${bodyHash}`,
  /** The ticket for one threat on one endpoint of one mapping. */
  ticket: (threatKey: string) => `ticket-${threatKey}`,
  /** One mapping's billing for one month: `usage-<mappingId>_<yyyy>-<mm>`. */
  usage: (mappingId: string, month: string) => `usage-${mappingId}_${month.slice(3)}-${month.slice(0, 2)}`,
  billingRun: (month: string) => `billingRun-${month.slice(3)}-${month.slice(0, 2)}`,
  /** BILLING_APPROVAL=manual: the month's billing proposals and their approvals. */
  billingProposals: (month: string) => `billingProposals-${month.slice(3)}-${month.slice(0, 2)}`,
  syncRun: () => 'syncRun-main',
  pushService: () => 'pushService-main',
  /** What the relay found when it read its HaloPSA webhook back. */
  haloWebhook: () => 'haloWebhook-main',
  checkpoint: (processor: string) => `checkpoint-${processor}`,
  /** The facts a processor parked, and the operators' retries of them. */
  parkedFacts: (processor: string) => `parkedFacts-${processor}`,
  /** The lease on the leader's work (scheduler, ticketing processor, webhook registration). */
  leadership: () => 'leadership-main',
  /** Whether one platform answers: only the transitions (unreachable, recovered). */
  platformHealth: (platform: string) => `platformHealth-${platform}`
} as const
