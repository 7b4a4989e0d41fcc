import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError, errorBody, type ErrorCode } from '../errors.js'
import { sendApiError } from './errorHandler.js'

/**
 * Requests that never reach a route still get the API's error shape. Node answers a request it
 * cannot parse (a request line and headers over its 16 KiB limit, bytes that are not HTTP, a
 * request that takes too long to arrive) through the server's `clientError` event, which Fastify
 * hands to `clientErrorHandler`; the router's own refusals (a URL that does not decode, a path
 * parameter over `maxParamLength`) go to `frameworkErrors`
 * (https://fastify.dev/docs/latest/Reference/Server/#frameworkerrors,
 * https://nodejs.org/api/http.html#event-clienterror).
 */

/** Headers every answer of the relay carries (app.ts adds them to the answers of routes). */
export const safetyHeaders = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } as const

const protocolError = (code: string | undefined): ErrorCode => {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return 'header_fields_too_large'
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'request_timeout'
    default:
      return 'bad_request'
  }
}

/** A raw answer on the socket (there is no request object yet), then the connection is closed. */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection is gone: there is nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return
  const apiError = new ApiError(protocolError(error.code))
  const body = JSON.stringify(errorBody(apiError.code, apiError.message))
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${apiError.status} ${STATUS_CODES[apiError.status] ?? 'Bad Request'}\r\n` +
        `content-type: application/json; charset=utf-8\r\n` +
        `content-length: ${Buffer.byteLength(body)}\r\n` +
        `cache-control: ${safetyHeaders['cache-control']}\r\n` +
        `x-content-type-options: ${safetyHeaders['x-content-type-options']}\r\n` +
        `connection: close\r\n\r\n${body}`
    )
  }
  socket.destroy()
}

/** The router's refusals, as the catalogue's errors (never quoting the whole URL back). */
export const frameworkErrors = (error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void => {
  const code: ErrorCode =
    error.code === 'FST_ERR_BAD_URL'
      ? 'invalid_url'
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? 'uri_too_long'
        : 'internal_error'
  reply.headers(safetyHeaders)
  void sendApiError(reply, new ApiError(code))
}
