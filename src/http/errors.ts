/**
 * Every error the HTTP interface can answer, in one place (fastify's lib/errors.js pattern): a
 * stable snake_case code, its status, and a default message. Bodies are always
 * `{ "error": { "code", "message", "details"? } }` (docs/architecture.md#http).
 */
export const errorCatalogue = {
  // 400
  invalid_request: { status: 400, message: 'the request does not match its schema' },
  invalid_json: { status: 400, message: 'the body is not valid JSON' },
  invalid_push_envelope: { status: 400, message: 'the body is not a GravityZone addEvents envelope' },
  invalid_cursor: { status: 400, message: 'the cursor is not one this API issued' },
  invalid_position: { status: 400, message: 'the position is not one of this store' },
  invalid_url: { status: 400, message: 'the request URL is not valid' },
  bad_request: { status: 400, message: 'the request is not valid HTTP' },
  // 401
  missing_credentials: { status: 401, message: 'credentials are required' },
  invalid_credentials: { status: 401, message: 'the credentials are not valid' },
  invalid_signature: { status: 401, message: 'the Event-Push-Service-Md5 header does not match the body' },
  // 403
  insufficient_scope: { status: 403, message: 'this token may read but not operate' },
  // 404
  route_not_found: { status: 404, message: 'no such route' },
  event_not_found: { status: 404, message: 'no integration event has this id' },
  mapping_not_found: { status: 404, message: 'no mapping has this id' },
  parked_fact_not_found: { status: 404, message: 'no fact with this id was parked by the processor' },
  job_not_found: { status: 404, message: 'no job run has this id (the relay keeps the last 100 runs)' },
  proposal_not_found: { status: 404, message: 'no billing proposal has this id' },
  endpoint_not_found: { status: 404, message: "no endpoint of the mapping's company has this id" },
  // 409
  event_closed: { status: 409, message: 'the integration event is closed' },
  action_not_supported: { status: 409, message: 'this integration event does not support the action' },
  recheck_in_progress: { status: 409, message: 'a recheck of this event is already running' },
  company_already_mapped: { status: 409, message: 'the GravityZone company is already mapped' },
  client_already_mapped: { status: 409, message: 'the HaloPSA client is already mapped' },
  mapping_already_exists: { status: 409, message: 'a mapping with this id exists' },
  mapping_unchanged: { status: 409, message: 'the change would not change the mapping' },
  concurrency_conflict: { status: 409, message: 'the data changed concurrently; try again' },
  fact_not_parked: { status: 409, message: 'the fact is no longer parked (it was retried already)' },
  job_running: { status: 409, message: 'this job is already running' },
  invoice_exists: { status: 409, message: "the mapping's recurring invoice still exists in HaloPSA" },
  proposal_stale: {
    status: 409,
    message: 'the proposal was made before the latest poll; a new one replaces it (details.proposalId)'
  },
  proposal_not_pending: { status: 409, message: 'the proposal has already been applied' },
  preview_running: { status: 409, message: 'a backtest of ticket rules is already running; try again when it ends' },
  // 408
  request_timeout: { status: 408, message: 'the request took too long to arrive' },
  // 413, 414, 415
  payload_too_large: { status: 413, message: 'the body is larger than this endpoint accepts' },
  too_many_events: { status: 413, message: 'the delivery holds more events than PUSH_MAX_EVENTS allows' },
  uri_too_long: { status: 414, message: 'a part of the URL is longer than this API accepts' },
  unsupported_media_type: { status: 415, message: 'the body must be JSON' },
  // 422
  invalid_configuration: { status: 422, message: 'the configuration is not valid' },
  unknown_company: { status: 422, message: 'GravityZone has no such company' },
  unknown_client: { status: 422, message: 'HaloPSA has no such client' },
  billing_disabled: { status: 422, message: 'billing is off for this mapping' },
  unknown_asset: { status: 422, message: "the mapping's HaloPSA client has no such asset" },
  // 429
  too_many_failed_attempts: {
    status: 429,
    message: 'too many failed authentication attempts; wait before trying again'
  },
  // 431
  header_fields_too_large: { status: 431, message: 'the request line and headers are larger than this API accepts' },
  // 5xx
  internal_error: { status: 500, message: 'the relay failed to handle the request' },
  upstream_failed: { status: 502, message: 'a platform the relay depends on failed' },
  store_unavailable: { status: 503, message: 'the event store is not available' },
  not_ready: { status: 503, message: 'the relay is not ready' },
  shutting_down: { status: 503, message: 'the relay is shutting down' },
  not_configured: { status: 503, message: 'the platform connection this needs is not configured' },
  not_leader: { status: 503, message: 'another instance, the leader, runs jobs now; try again there' }
} as const satisfies Record<string, { status: number; message: string }>

export type ErrorCode = keyof typeof errorCatalogue

const brand = Symbol.for('gz-halo-relay.api-error')

export class ApiError extends Error {
  readonly [brand] = true
  readonly code: ErrorCode
  readonly status: number
  readonly details?: unknown
  readonly headers?: Record<string, string>
  constructor(code: ErrorCode, message?: string, details?: unknown, headers?: Record<string, string>) {
    super(message ?? errorCatalogue[code].message)
    this.name = 'ApiError'
    this.code = code
    this.status = errorCatalogue[code].status
    if (details !== undefined) this.details = details
    if (headers) this.headers = headers
  }
}

export const isApiError = (error: unknown): error is ApiError =>
  typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[brand] === true

export const errorBody = (code: ErrorCode, message: string, details?: unknown) => ({
  error: { code, message, ...(details !== undefined ? { details } : {}) }
})
