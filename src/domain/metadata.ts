import { z } from 'zod'
import type { FactMetadata } from '../store/port.js'

/** Every fact's metadata (SPEC §4): who, why, and when it was recorded. */
export const FactMetadataSchema = z.looseObject({
  correlationId: z.string().min(1),
  causationId: z.string().min(1),
  /** `gravityzone`, `halopsa`, `scheduler`, `relay`, or the API token's name. */
  actor: z.string().min(1),
  recordedAt: z.iso.datetime()
})

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
