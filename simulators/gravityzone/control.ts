import type { FastifyInstance, FastifyReply } from 'fastify'
import { z } from 'zod'
import { generatableModules, UnknownModuleError } from './events/index.js'
import type { QueuedEvent } from './pushSender.js'
import { SimStateError } from './state.js'
import type { SimulatorCore } from './core.js'

/**
 * Control routes under `/_sim/` for tests and the demo: change the tenant the way the console would,
 * push events now, move time forward, tune rate limits, read call counts. Not part of GravityZone.
 */

const Variant = z.strictObject({
  finalStatus: z.string().optional(),
  severitySpelling: z.enum(['severityScore', 'severity_score']).optional(),
  omitCompanyId: z.boolean().optional(),
  blocked: z.boolean().optional()
})

const PushRequest = z.strictObject({
  /** Events sent as given (their own companyId decides the filters). */
  events: z.array(z.record(z.string(), z.unknown())).optional(),
  /** Events generated per module for a company (default: the key's own) and endpoint. */
  generate: z
    .array(
      z.strictObject({
        module: z.string().refine((m) => generatableModules.includes(m), 'unknown module'),
        companyId: z.string().optional(),
        endpointId: z.string().optional(),
        count: z.number().int().min(1).max(1000).optional(),
        variant: Variant.optional(),
        overrides: z.record(z.string(), z.unknown()).optional()
      })
    )
    .optional(),
  /** Send every event twice, as a re-delivery would. */
  duplicate: z.boolean().optional(),
  apiKey: z.string().optional()
})

const Company = z.strictObject({
  name: z.string(),
  type: z.union([z.literal(0), z.literal(1)]).optional(),
  parentId: z.string().optional(),
  id: z.string().optional(),
  endpoints: z.number().int().min(0).max(10_000).optional()
})
const CompanyChange = z.strictObject({
  name: z.string().optional(),
  isSuspended: z.boolean().optional(),
  recursive: z.boolean().optional(),
  parentId: z.string().optional()
})
const Endpoint = z.strictObject({ companyId: z.string(), name: z.string().optional(), id: z.string().optional() })
const Usage = z.strictObject({
  companyId: z.string(),
  month: z.string().regex(/^(0[1-9]|1[0-2])\/\d{4}$/),
  counters: z.record(z.string(), z.number()),
  productType: z.number().int().optional(),
  minimumUsage: z.record(z.string(), z.number()).optional()
})
const Key = z.strictObject({
  key: z.string().min(1),
  companyId: z.string().optional(),
  enabledApis: z.array(z.string()).optional()
})
const RateLimitsInput = z.strictObject({
  enabled: z.boolean().optional(),
  omitRetryAfter: z.boolean().optional(),
  general: z.strictObject({ limit: z.number().positive(), intervalMs: z.number().int().positive() }).optional(),
  licensing: z.strictObject({ limit: z.number().positive(), intervalMs: z.number().int().positive() }).optional(),
  push: z.strictObject({ limit: z.number().positive(), intervalMs: z.number().int().positive() }).optional()
})

const parse = <T>(schema: z.ZodType<T>, body: unknown, reply: FastifyReply): T | undefined => {
  const parsed = schema.safeParse(body ?? {})
  if (parsed.success) return parsed.data
  void reply.code(400).send({
    error: 'invalid_request',
    message: parsed.error.issues[0]?.message ?? 'invalid',
    issues: parsed.error.issues
  })
  return undefined
}

export const installControlRoutes = (app: FastifyInstance, sim: SimulatorCore): void => {
  app.setErrorHandler((error, request, reply) => {
    if (error instanceof SimStateError)
      return reply
        .code(error.code === 'not_found' ? 404 : error.code === 'conflict' ? 409 : 400)
        .send({ error: error.code, message: error.message })
    if (error instanceof UnknownModuleError)
      return reply.code(400).send({ error: 'unknown_module', message: error.message })
    const status = (error as { statusCode?: number }).statusCode ?? 500
    request.log.error(error)
    return reply.code(status).send({ error: 'error', message: (error as Error).message })
  })

  app.get('/_sim/stats', async () => ({ ...sim.calls.snapshot(), rateLimited: sim.rateLimits.limitedCount() }))
  app.delete('/_sim/stats', async (_request, reply) => (sim.calls.reset(), reply.code(204).send()))
  app.get('/_sim/rate-limits', async () => sim.rateLimits.config())
  app.post('/_sim/rate-limits', async (request, reply) => {
    const input = parse(RateLimitsInput, request.body, reply)
    if (!input) return reply
    sim.rateLimits.configure(input)
    return sim.rateLimits.config()
  })
  app.post('/_sim/time', async (request, reply) => {
    const input = parse(z.strictObject({ advanceMs: z.number().int().min(0) }), request.body, reply)
    if (!input) return reply
    sim.advanceTime(input.advanceMs)
    return { now: new Date(sim.clock.now()).toISOString(), offsetMs: sim.clock.offsetMs() }
  })
  app.post('/_sim/reset', async () => (sim.reset(), { ok: true }))
  app.post('/_sim/keys', async (request, reply) => {
    const input = parse(Key, request.body, reply)
    if (!input) return reply
    return reply.code(201).send({ ...sim.keys.add(input.key, input), key: undefined })
  })

  app.get('/_sim/state', async () => ({
    rootId: sim.state.rootId,
    companies: sim.state.companies.all().map((c) => ({ ...c, endpoints: sim.state.endpoints.ofCompany(c.id).length })),
    endpoints: sim.state.endpoints.all().length
  }))
  app.post('/_sim/companies', async (request, reply) => {
    const input = parse(Company, request.body, reply)
    if (!input) return reply
    const { endpoints = 0, ...fields } = input
    const company = sim.state.companies.create(fields)
    for (let n = 0; n < endpoints; n++) sim.state.endpoints.add({ companyId: company.id })
    return reply.code(201).send(company)
  })
  app.patch<{ Params: { id: string } }>('/_sim/companies/:id', async (request, reply) => {
    const input = parse(CompanyChange, request.body, reply)
    if (!input) return reply
    const { id } = request.params
    if (input.name !== undefined) sim.state.companies.update(id, { name: input.name })
    if (input.isSuspended !== undefined) sim.state.companies.setSuspended(id, input.isSuspended, input.recursive)
    if (input.parentId !== undefined) sim.state.companies.move(id, input.parentId)
    return sim.state.companies.require(id)
  })
  app.delete<{ Params: { id: string } }>('/_sim/companies/:id', async (request) =>
    sim.state.companies.delete(request.params.id)
  )
  app.post('/_sim/endpoints', async (request, reply) => {
    const input = parse(Endpoint, request.body, reply)
    if (!input) return reply
    return reply.code(201).send(sim.state.endpoints.add(input))
  })
  app.patch<{ Params: { id: string } }>('/_sim/endpoints/:id', async (request, reply) => {
    const input = parse(z.strictObject({ companyId: z.string() }), request.body, reply)
    if (!input) return reply
    return sim.state.endpoints.move(request.params.id, input.companyId)
  })
  app.delete<{ Params: { id: string } }>('/_sim/endpoints/:id', async (request) =>
    sim.state.endpoints.remove(request.params.id)
  )
  app.put('/_sim/usage', async (request, reply) => {
    const input = parse(Usage, request.body, reply)
    if (!input) return reply
    sim.state.companies.require(input.companyId)
    sim.state.usage.set(input.companyId, input.month, input.counters, input.productType)
    if (input.minimumUsage) sim.state.usage.setLicence(input.companyId, { minimumUsage: input.minimumUsage })
    return {
      companyId: input.companyId,
      month: input.month,
      own: sim.state.usage.own(input.companyId, input.month, input.productType)
    }
  })

  app.get('/_sim/push', async (request) => {
    const apiKey = (request.query as { apiKey?: string }).apiKey ?? sim.apiKey
    const sender = sim.push.sender(apiKey)
    return {
      status: sender.status(),
      disabledReason: sender.disabledReason() ?? null,
      failuresSinceEnabled: sender.failuresSinceEnabled(),
      stats: sender.stats(),
      deliveries: sender.deliveries()
    }
  })
  app.post('/_sim/push/flush', async () => sim.push.sender().flush())
  app.post('/_sim/push', async (request, reply) => {
    const input = parse(PushRequest, request.body, reply)
    if (!input) return reply
    const key = sim.keys.get(input.apiKey ?? sim.apiKey)
    if (!key) return reply.code(404).send({ error: 'unknown_key', message: 'no such API key' })
    const queued: QueuedEvent[] = (input.events ?? []).map((event) => ({ event }))
    for (const g of input.generate ?? []) {
      const companyId = g.companyId ?? key.companyId
      sim.state.companies.require(companyId)
      const endpointId = g.endpointId ?? sim.state.endpoints.ofCompany(companyId)[0]?.id
      for (let n = 0; n < (g.count ?? 1); n++) {
        const event = sim.generate(g.module, companyId, {
          ...(endpointId ? { endpointId } : {}),
          ...(g.variant ? { variant: g.variant } : {}),
          ...(g.overrides ? { overrides: g.overrides } : {})
        })
        queued.push({ event, ownerCompanyId: companyId })
      }
    }
    const all = input.duplicate ? queued.flatMap((q) => [q, q]) : queued
    return { ...(await sim.push.sender(key.key).send(all)), events: all.map((q) => q.event) }
  })
}
