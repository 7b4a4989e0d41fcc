import { assetsProjection } from './assets.js'
import { billingProjection } from './billing.js'
import { directoryProjection } from './directory.js'
import { integrationEventsProjection } from './integrationEvents.js'
import { mappingsProjection } from './mappings.js'
import type { Projection } from './projection.js'
import { createSecurityEventsProjection } from './securityEvents.js'
import { ticketsProjection } from './tickets.js'

/** What the configuration decides about the read models (SECURITY_EVENTS_IN_MEMORY). */
export type ReadModelOptions = { securityEventsInMemory?: number }

/** The read models every relay core keeps (src/services/core.ts). */
export const coreProjections: readonly Projection<unknown>[] = [
  integrationEventsProjection,
  mappingsProjection,
  assetsProjection,
  directoryProjection
] as Projection<unknown>[]

/**
 * The read models the full relay keeps on top of the core's (compose.ts): tickets, billing and
 * security events. A benchmark that means to measure what production runs adds them too.
 */
export const createServiceProjections = (options: ReadModelOptions = {}): readonly Projection<unknown>[] =>
  [
    ticketsProjection,
    billingProjection,
    createSecurityEventsProjection(options.securityEventsInMemory)
  ] as Projection<unknown>[]

/**
 * Every read model the full relay keeps, in the order it folds them, for what looks at them all at
 * once (the rebuild comparison, src/services/snapshots/rebuild.ts). A new projection is added to
 * one of the two lists above.
 */
export const createRelayProjections = (options: ReadModelOptions = {}): readonly Projection<unknown>[] => [
  ...coreProjections,
  ...createServiceProjections(options)
]

export const serviceProjections = createServiceProjections()
export const relayProjections = createRelayProjections()
