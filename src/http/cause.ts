import type { FastifyRequest } from 'fastify'
import type { Cause } from '../domain/metadata.js'

/** The request as the cause of the facts it leads to: the token's name, and the request id. */
export const causeOf = (request: FastifyRequest): Cause => ({
  actor: request.actor?.name ?? 'anonymous',
  correlationId: request.id
})
