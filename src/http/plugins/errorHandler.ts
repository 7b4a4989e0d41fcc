import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod'
import { isDomainError } from '../../domain/errors.js'
import { isPlatformError } from '../../platforms/transport/errors.js'
import { isStoreError } from '../../store/errors.js'
import { ApiError, errorBody, errorCatalogue, isApiError, type ErrorCode } from '../errors.js'

/**
 * The one error handler: whatever a route throws becomes `{ error: { code, message, details? } }`
 * with the status from the catalogue. 5xx messages never carry internals (they are logged).
 *
 * An error quotes at most a bounded part of what the caller sent: a path or message is cut at
 * ECHO_LIMIT characters, a validation error lists at most MAX_ISSUES issues, and a message is cut
 * at MESSAGE_LIMIT, so a megabyte-long key or URL is never sent back whole.
 */
const ECHO_LIMIT = 200
const MAX_ISSUES = 20
const MESSAGE_LIMIT = 4000

export const clip = (text: string, limit = ECHO_LIMIT): string =>
  text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length - limit} more characters)`

const toApiError = (error: unknown): ApiError => {
  if (isApiError(error)) return error
  if (isDomainError(error)) {
    const code = (error.code in errorCatalogue ? error.code : 'invalid_configuration') as ErrorCode
    return new ApiError(code, error.message, error.details)
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation
      .slice(0, MAX_ISSUES)
      .map((v) => ({ path: clip(v.instancePath || '/'), message: clip(v.message ?? 'is not valid') }))
    const more = error.validation.length - issues.length
    return new ApiError(
      'invalid_request',
      `${error.validationContext ?? 'request'}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}` +
        (more > 0 ? ` (and ${more} more)` : ''),
      { issues }
    )
  }
  if (isPlatformError(error)) {
    return new ApiError('upstream_failed', error.message, {
      platform: error.platform,
      call: error.call,
      kind: error.kind,
      ...(error.status !== undefined ? { status: error.status } : {})
    })
  }
  if (isStoreError(error)) {
    if (error.code === 'store_closed') return new ApiError('shutting_down')
    if (error.code === 'wrong_expected_version') return new ApiError('concurrency_conflict')
    return new ApiError('store_unavailable')
  }
  const fastifyError = error as FastifyError
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('payload_too_large')
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('unsupported_media_type')
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new ApiError('invalid_json')
  }
  if (fastifyError.statusCode === 400 && error instanceof SyntaxError) return new ApiError('invalid_json')
  if (fastifyError.statusCode === 413) return new ApiError('payload_too_large')
  if (fastifyError.statusCode === 415) return new ApiError('unsupported_media_type')
  if (fastifyError.validation) return new ApiError('invalid_request', fastifyError.message)
  if (fastifyError.statusCode === 503) return new ApiError('shutting_down')
  return new ApiError('internal_error')
}

export const sendApiError = (reply: FastifyReply, error: ApiError) => {
  if (error.headers) reply.headers(error.headers)
  return reply
    .code(error.status)
    .type('application/json; charset=utf-8')
    .send(errorBody(error.code, clip(error.message, MESSAGE_LIMIT), error.details))
}

export const registerErrorHandling = (app: FastifyInstance): void => {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const apiError = toApiError(error)
    if (apiError.status >= 500 && apiError.code !== 'shutting_down') request.log.error({ err: error }, 'request failed')
    else if (isResponseSerializationError(error)) request.log.error({ err: error }, 'response did not match its schema')
    return sendApiError(reply, apiError)
  })
  app.setNotFoundHandler((request, reply) =>
    sendApiError(
      reply,
      new ApiError('route_not_found', `no route ${request.method} ${clip(request.url.split('?')[0]!)}`)
    )
  )
}
