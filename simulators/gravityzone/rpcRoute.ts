import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { KeyStore } from './keys.js'
import { apis, lookupMethod, type SimContext } from './methods/index.js'
import type { RateLimits } from './rateLimits.js'
import { errorEnvelope, invalidRequest, paramsFault, parseError, RpcFault, serverError } from './rpcErrors.js'
import { SimStateError } from './state.js'

/**
 * The JSON-RPC endpoint, `POST /api/<version>/jsonrpc/<api>[/<service>]`
 * (docs/platforms/gravityzone.md#public-api-basics): Basic auth, per-key enabled APIs, the
 * envelope, per-method params, per-key rate limits. The body is read as text whatever the
 * Content-Type, so a broken body gets a JSON-RPC parse error.
 */

/** The parsed body of a JSON-RPC request, kept with its text. */
export type RpcBody = { kind: 'rpc-body'; json?: unknown; valid: boolean }

export const rpcMethodOf = (request: FastifyRequest): string | undefined => {
  const body = request.body as RpcBody | undefined
  const json = body?.kind === 'rpc-body' ? body.json : undefined
  const method = (json as { method?: unknown } | undefined)?.method
  return typeof method === 'string' ? method : undefined
}

export type CallStats = ReturnType<typeof createCallStats>

/** Calls received per `<api>.<method>` (tests count calls), and answers per HTTP status. */
export const createCallStats = () => {
  let calls: Record<string, number> = {}
  let statuses: Record<string, number> = {}
  return {
    count(name: string) {
      calls[name] = (calls[name] ?? 0) + 1
    },
    answered(status: number) {
      statuses[status] = (statuses[status] ?? 0) + 1
    },
    of: (name: string) => calls[name] ?? 0,
    snapshot: () => ({
      calls: { ...calls },
      statuses: { ...statuses },
      total: Object.values(calls).reduce((a, b) => a + b, 0)
    }),
    reset() {
      calls = {}
      statuses = {}
    }
  }
}

type Envelope = { id: string | number | null; method: string; params: Record<string, unknown> }

const readEnvelope = (
  body: RpcBody | undefined
): { id: unknown; method?: string; envelope?: Envelope; fault?: RpcFault } => {
  if (!body || body.kind !== 'rpc-body' || !body.valid) return { id: null, fault: parseError() }
  const json = body.json as Record<string, unknown> | null
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    return { id: null, fault: invalidRequest('The request is not a JSON-RPC 2.0 object.') }
  const { id = null, method, params = {}, jsonrpc } = json
  const name = typeof method === 'string' ? method : undefined
  const validId = id === null || typeof id === 'string' || typeof id === 'number'
  if (jsonrpc !== '2.0' || !name || !validId)
    return {
      id: validId ? id : null,
      ...(name ? { method: name } : {}),
      fault: invalidRequest('The request is not a valid JSON-RPC 2.0 request.')
    }
  if (params === null || typeof params !== 'object' || Array.isArray(params))
    return { id, method: name, fault: invalidRequest("'params' must be an object.") }
  return {
    id,
    method: name,
    envelope: { id: id as Envelope['id'], method: name, params: params as Record<string, unknown> }
  }
}

export type RpcRouteDeps = {
  sim: SimContext
  keys: KeyStore
  rateLimits: RateLimits
  calls: CallStats
}

export const installRpcRoutes = (app: FastifyInstance, deps: RpcRouteDeps): void => {
  const answer = (reply: FastifyReply, status: number, payload: unknown, headers: Record<string, string> = {}) => {
    deps.calls.answered(status)
    return reply
      .code(status)
      .headers({ ...headers, 'content-type': 'application/json; charset=utf-8' })
      .send(JSON.stringify(payload))
  }

  const handle = async (
    request: FastifyRequest<{ Params: { version: string; api: string; service?: string } }>,
    reply: FastifyReply
  ) => {
    const { version, api, service } = request.params
    const read = readEnvelope(request.body as RpcBody | undefined)
    try {
      const key = deps.keys.authenticate(request.headers.authorization)
      if (read.fault) throw read.fault
      const { envelope } = read as { envelope: Envelope }
      // A live tenant answers 401 for an API not ticked on the key (gravityzone-erpnext-billing
      // README: "401 … Unauthorized for url: …/jsonrpc/network/"); its body is not published.
      if (Object.hasOwn(apis, api) && api !== 'general' && !key.enabledApis.includes(api))
        throw serverError(`The API key does not have access to the ${api} API.`, 401)
      const def = lookupMethod(api, envelope.method, version)
      const decision = deps.rateLimits.take(key.key, def.tier)
      if (!decision.ok) {
        const headers: Record<string, string> =
          decision.retryAfterSeconds !== undefined ? { 'retry-after': String(decision.retryAfterSeconds) } : {}
        return answer(
          reply,
          429,
          errorEnvelope(
            envelope.id,
            serverError('Too many requests. The rate limit for this method was exceeded.', 429)
          ),
          headers
        )
      }
      const params = def.params.safeParse(envelope.params)
      if (!params.success) throw paramsFault(params.error)
      const ctx = { sim: deps.sim, key, version, ...(service !== undefined ? { service } : {}) }
      const result = await def.handler(ctx, params.data as never)
      return answer(reply, 200, { id: envelope.id, jsonrpc: '2.0', result: result ?? null })
    } catch (error) {
      const fault = error instanceof SimStateError ? new RpcFault(-32602, 'Invalid params', error.message, 400) : error
      if (fault instanceof RpcFault) return answer(reply, fault.httpStatus, errorEnvelope(read.id, fault))
      throw error
    }
  }

  app.register(async (rpc) => {
    rpc.removeAllContentTypeParsers()
    // No Content-Type, a wrong one or broken JSON: still a JSON-RPC answer (-32700), never Fastify's own.
    rpc.addContentTypeParser('*', { parseAs: 'string' }, (_request, text, done) => {
      try {
        done(null, { kind: 'rpc-body', json: JSON.parse(text as string), valid: true } satisfies RpcBody)
      } catch {
        done(null, { kind: 'rpc-body', valid: false } satisfies RpcBody)
      }
    })
    // Counted before faults apply: a call answered by an injected fault was still received.
    rpc.addHook('preValidation', async (request) => {
      const method = rpcMethodOf(request)
      if (method !== undefined) deps.calls.count(`${(request.params as { api: string }).api}.${method}`)
    })
    for (const url of ['/api/:version/jsonrpc/:api', '/api/:version/jsonrpc/:api/:service']) {
      rpc.post(url, handle)
      rpc.route({
        method: ['GET', 'PUT', 'DELETE', 'PATCH'],
        url,
        handler: (_request, reply) =>
          answer(reply, 405, errorEnvelope(null, invalidRequest('Only POST requests are accepted.', 405)), {
            allow: 'POST'
          })
      })
    }
  })
}
