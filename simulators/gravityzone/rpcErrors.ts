import type { z } from 'zod'

/**
 * JSON-RPC errors as GravityZone sends them (docs/platforms/gravityzone.md#responses-and-errors):
 * `{code, message, data: {details}}`, with an HTTP status that is not always 200. No official error
 * table is published; the statuses here follow what clients report (401 for auth, 400/404 for bad
 * params and paths).
 */
export class RpcFault extends Error {
  readonly code: number
  /** The short JSON-RPC message ("Invalid params"); `details` is the human text. */
  readonly short: string
  readonly details: string
  readonly httpStatus: number
  constructor(code: number, short: string, details: string, httpStatus: number) {
    super(details)
    this.name = 'RpcFault'
    this.code = code
    this.short = short
    this.details = details
    this.httpStatus = httpStatus
  }
}

export const parseError = () => new RpcFault(-32700, 'Parse error', 'The request body is not valid JSON.', 400)
export const invalidRequest = (details: string, httpStatus = 400) =>
  new RpcFault(-32600, 'Invalid Request', details, httpStatus)
export const methodNotFound = (details: string) => new RpcFault(-32601, 'Method not found', details, 404)
export const invalidParams = (details: string) => new RpcFault(-32602, 'Invalid params', details, 400)
export const serverError = (details: string, httpStatus = 500) =>
  new RpcFault(-32000, 'Server error', details, httpStatus)

export const authHeaderMissing = () =>
  serverError('Authorization header not passed, HTTP Basic Authentication should be used.', 401)
export const invalidApiKey = () => serverError('Invalid API key. Please generate an API key in Control Center.', 401)

/** The first zod issue, worded the way GravityZone words parameter errors. */
export const paramsFault = (error: z.ZodError): RpcFault => {
  const issue = error.issues[0]
  if (!issue) return invalidParams('Invalid params')
  if (issue.code === 'unrecognized_keys') {
    const prefix = issue.path.length > 0 ? `${issue.path.join('.')}.` : ''
    return invalidParams(`Unknown parameter '${prefix}${issue.keys[0]}'`)
  }
  return invalidParams(issue.path.length > 0 ? `Invalid value for '${issue.path.join('.')}'` : 'Invalid params')
}

export const errorEnvelope = (id: unknown, fault: RpcFault) => ({
  id: id ?? null,
  jsonrpc: '2.0',
  error: { code: fault.code, message: fault.short, data: { details: fault.details } }
})
