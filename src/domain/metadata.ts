import type { FactMetadata } from '../store/port.js'

/** Who caused a command, carried from the edge (a request, a delivery, a scheduled run) to the facts. */
export type Cause = {
  actor: string
  correlationId: string
  /** The request, delivery or fact that caused this; defaults to the correlation id. */
  causationId?: string
}

export const metadataFor = (cause: Cause, now: Date): FactMetadata => ({
  correlationId: cause.correlationId,
  causationId: cause.causationId ?? cause.correlationId,
  actor: cause.actor,
  recordedAt: now.toISOString()
})
