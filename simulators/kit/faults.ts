import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'

/**
 * Fault injection shared by both simulators, over HTTP (`POST /_sim/faults`, `DELETE /_sim/faults`)
 * and in-process. A fault matches `<METHOD> <path prefix>` (case-insensitive, as HaloPSA's paths
 * are), optionally followed by a JSON-RPC method name for GravityZone; it delays, fails, hangs or
 * garbles the next `count` matching requests (all of them until cleared when count is omitted).
 */
export const FaultSpec = z.object({
  match: z.string().regex(/^[A-Z]+ \/\S*( \S+)?$/, 'match is "<METHOD> <path prefix>[ <rpc method>]"'),
  status: z.number().int().min(100).max(599).optional(),
  latencyMs: z.number().int().min(0).max(120_000).optional(),
  count: z.number().int().positive().optional(),
  /** Seconds for a Retry-After header on the faulty answer; null or absent sends none. */
  retryAfter: z.number().int().min(0).nullable().optional(),
  /** Never answer (the client's timeout must fire). */
  hang: z.boolean().optional(),
  /** Answer 200 with a body that is not valid JSON. */
  malformed: z.boolean().optional(),
  /** A body for the faulty status (JSON); a generic one otherwise. */
  body: z.unknown().optional()
})
export type FaultSpec = z.infer<typeof FaultSpec>

type ActiveFault = FaultSpec & {
  id: number
  method: string
  prefix: string
  rpc?: string
  remaining?: number
  hits: number
}

export type FaultController = {
  add(spec: FaultSpec): number
  clear(): void
  list(): ActiveFault[]
  /** The fault for this request, consuming one of its count; undefined when none matches. */
  take(method: string, path: string, rpcMethod?: string): ActiveFault | undefined
}

export const createFaultController = (): FaultController => {
  let faults: ActiveFault[] = []
  let nextId = 1
  return {
    add(spec) {
      const parsed = FaultSpec.parse(spec)
      const [method, prefix, rpc] = parsed.match.split(' ') as [string, string, string | undefined]
      const fault: ActiveFault = { ...parsed, id: nextId++, method, prefix: prefix.toLowerCase(), hits: 0 }
      if (rpc !== undefined) fault.rpc = rpc
      if (parsed.count !== undefined) fault.remaining = parsed.count
      faults.push(fault)
      return fault.id
    },
    clear() {
      faults = []
    },
    list: () => faults.map((f) => ({ ...f })),
    take(method, path, rpcMethod) {
      const lower = path.toLowerCase()
      const fault = faults.find(
        (f) => f.method === method && lower.startsWith(f.prefix) && (f.rpc === undefined || f.rpc === rpcMethod)
      )
      if (!fault) return undefined
      fault.hits++
      if (fault.remaining !== undefined && --fault.remaining <= 0) faults = faults.filter((f) => f !== fault)
      return fault
    }
  }
}

/**
 * Registers the control routes and a preHandler that applies faults (after body parsing, so a
 * simulator can match on the JSON-RPC method in the body). Hanging requests are released when the
 * server closes.
 */
export const installFaults = (
  app: FastifyInstance,
  controller: FaultController,
  options: { rpcMethodOf?: (request: FastifyRequest) => string | undefined } = {}
): void => {
  const hanging = new Set<FastifyReply>()

  app.post('/_sim/faults', async (request, reply) => {
    const parsed = FaultSpec.safeParse(request.body)
    if (!parsed.success) return reply.code(400).send({ error: 'invalid fault', issues: parsed.error.issues })
    return reply.code(201).send({ id: controller.add(parsed.data) })
  })
  app.delete('/_sim/faults', async (_request, reply) => {
    controller.clear()
    return reply.code(204).send()
  })
  app.get('/_sim/faults', async () => ({ faults: controller.list() }))

  app.addHook('preHandler', async (request, reply) => {
    if (request.url.startsWith('/_sim/')) return
    const path = request.url.split('?')[0]!
    const fault = controller.take(request.method, path, options.rpcMethodOf?.(request))
    if (!fault) return
    if (fault.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs))
    if (fault.hang) {
      hanging.add(reply)
      await new Promise<void>((resolve) => reply.raw.on('close', resolve))
      hanging.delete(reply)
      return reply
    }
    if (fault.malformed) {
      return reply
        .code(fault.status ?? 200)
        .header('content-type', 'application/json')
        .send('{"truncated": [1, 2')
    }
    if (fault.status !== undefined) {
      if (fault.retryAfter !== undefined && fault.retryAfter !== null)
        reply.header('retry-after', String(fault.retryAfter))
      return reply.code(fault.status).send(fault.body ?? { error: `simulated fault (HTTP ${fault.status})` })
    }
  })

  app.addHook('onClose', async () => {
    for (const reply of hanging) reply.raw.destroy()
  })
}
