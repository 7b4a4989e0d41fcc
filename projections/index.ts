import { assetsProjection } from './assets.js'
import { billingProjection } from './billing.js'
import { directoryProjection } from './directory.js'
import { integrationEventsProjection } from './integrationEvents.js'
import { mappingsProjection } from './mappings.js'
import type { Projection } from './projection.js'
import { securityEventsProjection } from './securityEvents.js'
import { ticketsProjection } from './tickets.js'

/**
 * Every read model the relay keeps, for what looks at them all at once (the rebuild comparison,
 * src/services/snapshots/rebuild.ts). A new projection is added here as well as to the runner (compose.ts).
 */
export const relayProjections: readonly Projection<unknown>[] = [
  integrationEventsProjection,
  mappingsProjection,
  assetsProjection,
  ticketsProjection,
  billingProjection,
  directoryProjection,
  securityEventsProjection
] as Projection<unknown>[]

/**
 * The read models the full relay keeps on top of those every relay core has (compose.ts): tickets,
 * billing and security events. A benchmark that means to measure what production runs adds them too.
 */
export const serviceProjections: readonly Projection<unknown>[] = [
  ticketsProjection,
  billingProjection,
  securityEventsProjection
] as Projection<unknown>[]
