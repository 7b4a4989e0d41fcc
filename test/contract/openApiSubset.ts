import { readFileSync, writeFileSync } from 'node:fs'

/**
 * Regenerates test/fixtures/halopsa-openapi.subset.json from HaloPSA's published OpenAPI
 * description (covenanttechnologysolutions/halopsa-rest, generator/spec/swagger.json; MIT, see
 * the NOTICE beside the subset): the paths the relay calls or the simulator implements, with their
 * parameters and request bodies, and every component schema those bodies reach.
 *
 *   node --import tsx test/contract/openApiSubset.ts <swagger.json> [out.json]
 */

type Json = Record<string, unknown>

export const subsetPaths = [
  '/AuthInfo',
  '/Client',
  '/Client/{id}',
  '/Item',
  '/Item/{id}',
  '/ExternalLink',
  '/ExternalLink/{id}',
  '/SoftwareLicence',
  '/SoftwareLicence/{id}',
  '/RecurringInvoice',
  '/RecurringInvoice/{id}',
  '/RecurringInvoice/updatelines',
  '/RecurringInvoice/Lines',
  '/RecurringInvoice/process',
  '/Invoice',
  '/Invoice/{id}',
  '/Asset',
  '/Asset/{id}',
  '/Tickets',
  '/Tickets/{id}',
  '/Actions',
  '/Actions/{id}',
  '/Status',
  '/Status/{id}',
  '/TicketType',
  '/TicketType/{id}',
  '/Priority',
  '/Priority/{id}',
  '/Webhook',
  '/Webhook/{id}',
  '/WebhookEvent',
  '/WebhookEvent/{id}'
]

const REF = /#\/components\/schemas\/([A-Za-z0-9_.]+)/g

const slim = (operation: Json): Json => {
  const out: Json = {}
  if (typeof operation.summary === 'string') out.summary = operation.summary
  if (Array.isArray(operation.parameters))
    out.parameters = (operation.parameters as Json[]).map((p) => ({ name: p.name, in: p.in, schema: p.schema }))
  const body = (operation.requestBody as { content?: Record<string, { schema?: unknown }> } | undefined)?.content
  if (body?.['application/json']?.schema)
    out.requestBody = { content: { 'application/json': { schema: body['application/json'].schema } } }
  return out
}

export const extractSubset = (spec: Json): Json => {
  const paths = spec.paths as Record<string, Record<string, Json>>
  const schemas = (spec.components as { schemas: Record<string, Json> }).schemas
  const outPaths: Record<string, Record<string, Json>> = {}
  const wanted: string[] = []
  for (const path of subsetPaths) {
    const item = paths[path]
    if (!item) continue
    outPaths[path] = Object.fromEntries(Object.entries(item).map(([method, op]) => [method, slim(op)]))
    for (const m of JSON.stringify(outPaths[path]).matchAll(REF)) wanted.push(m[1]!)
  }
  const kept: Record<string, Json> = {}
  while (wanted.length > 0) {
    const name = wanted.pop()!
    if (kept[name] || !schemas[name]) continue
    kept[name] = schemas[name]
    for (const m of JSON.stringify(schemas[name]).matchAll(REF)) if (!kept[m[1]!]) wanted.push(m[1]!)
  }
  const sorted = Object.fromEntries(
    Object.keys(kept)
      .sort()
      .map((k) => [k, kept[k]])
  )
  return {
    openapi: spec.openapi,
    info: { ...(spec.info as Json), 'x-subset': 'see halopsa-openapi.subset.NOTICE.md' },
    servers: spec.servers,
    paths: outPaths,
    components: { schemas: sorted }
  }
}

if (process.argv[1]?.endsWith('openApiSubset.ts')) {
  const [source, target = 'test/fixtures/halopsa-openapi.subset.json'] = process.argv.slice(2)
  if (!source) throw new Error('usage: openApiSubset.ts <swagger.json> [out.json]')
  const subset = extractSubset(JSON.parse(readFileSync(source, 'utf8')) as Json)
  writeFileSync(target, `${JSON.stringify(subset)}\n`)
}
