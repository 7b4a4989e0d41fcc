/**
 * Refusals the domain and the services can give. Each has a stable code; the HTTP layer maps codes to statuses in
 * its one error catalogue (src/http/errors.ts).
 */
type DomainErrorCode =
  | 'mapping_not_found'
  | 'mapping_already_exists'
  | 'company_already_mapped'
  | 'client_already_mapped'
  | 'mapping_unchanged'
  | 'event_not_found'
  | 'event_closed'
  | 'action_not_supported'
  | 'recheck_in_progress'
  | 'concurrency_conflict'
  | 'invalid_configuration'
  | 'invalid_cursor'
  | 'invalid_position'
  | 'invalid_request'
  | 'unknown_company'
  | 'unknown_client'
  | 'billing_disabled'
  | 'job_running'
  | 'job_not_found'
  | 'not_configured'
  | 'parked_fact_not_found'
  | 'fact_not_parked'
  | 'not_leader'
  | 'invoice_exists'
  | 'proposal_not_found'
  | 'proposal_stale'
  | 'proposal_not_pending'
  | 'endpoint_not_found'
  | 'unknown_asset'

const brand = Symbol.for('gz-halo-relay.domain-error')

export class DomainError extends Error {
  readonly code: DomainErrorCode
  readonly details?: Record<string, unknown>
  readonly [brand] = true
  constructor(code: DomainErrorCode, message: string, details?: Record<string, unknown>) {
    super(message)
    this.name = 'DomainError'
    this.code = code
    if (details) this.details = details
  }
}

export const isDomainError = (error: unknown): error is DomainError =>
  typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true
