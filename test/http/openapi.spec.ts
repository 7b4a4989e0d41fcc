import t from 'tap'
import { testApp } from '../support/app.js'
import { apiDocsPolicy } from '../../src/http/routes/dashboard.js'

type Operation = {
  tags?: string[]
  summary?: string
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>
  requestBody?: { content?: Record<string, { schema?: unknown }> }
  parameters?: { name: string; in: string; schema?: unknown }[]
  security?: unknown[]
}

/** Every $ref in the document points at something that exists. */
const refs = (node: unknown, out: string[] = []): string[] => {
  if (Array.isArray(node)) node.forEach((n) => refs(n, out))
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v)
      else refs(v, out)
    }
  }
  return out
}

t.test('GET /docs/json serves an OpenAPI document that lists every route with its schemas', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const res = await ctx.app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(res.statusCode, 200)
  t.same(
    (await ctx.app.inject({ method: 'GET', url: '/docs/openapi.json' })).json(),
    res.json(),
    'the older address answers the same document'
  )
  const doc = res.json() as {
    openapi: string
    info: { title: string; version: string }
    paths: Record<string, Record<string, Operation>>
    components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> }
  }
  t.match(doc.openapi, /^3\.1\./)
  t.ok(doc.info.title && doc.info.version)

  const expected: [string, string][] = [
    ['get', '/api/events'],
    ['get', '/api/events/count'],
    ['get', '/api/events/{id}'],
    ['post', '/api/events/recheck'],
    ['post', '/api/events/{id}/recheck'],
    ['post', '/api/events/{id}/resolve'],
    ['post', '/api/events/{id}/acknowledge'],
    ['get', '/api/mappings'],
    ['post', '/api/mappings'],
    ['get', '/api/mappings/{id}'],
    ['patch', '/api/mappings/{id}'],
    ['delete', '/api/mappings/{id}'],
    ['post', '/api/mappings/{id}/recurring-invoice'],
    ['get', '/api/mappings/suggestions'],
    ['get', '/api/platforms/gravityzone/companies'],
    ['get', '/api/platforms/halopsa/clients'],
    ['get', '/api/platforms/halopsa/items'],
    ['get', '/api/platforms/halopsa/ticket-types'],
    ['get', '/api/platforms/halopsa/statuses'],
    ['get', '/api/platforms/halopsa/priorities'],
    ['get', '/api/whoami'],
    ['get', '/api/config/billing'],
    ['put', '/api/config/billing'],
    ['get', '/api/config/ticketing'],
    ['put', '/api/config/ticketing'],
    ['get', '/api/config/ticket-rules'],
    ['put', '/api/config/ticket-rules'],
    ['post', '/api/ticketing/rules/preview'],
    ['get', '/api/audit'],
    ['get', '/api/audit/live'],
    ['post', '/api/sync/run'],
    ['post', '/api/billing/run'],
    ['get', '/api/jobs/{runId}'],
    ['get', '/api/billing/preview'],
    ['get', '/api/billing/reconciliation'],
    ['get', '/api/billing/proposals'],
    ['post', '/api/billing/proposals/{id}/approve'],
    ['get', '/api/status'],
    ['get', '/api/doctor'],
    ['get', '/api/processor/parked'],
    ['post', '/api/processor/parked/{factId}/retry'],
    ['get', '/api/security-events'],
    ['get', '/api/security-events/summary'],
    ['get', '/api/security-events/{id}'],
    ['post', '/api/security-events/replay'],
    ['post', '/api/security-events/{id}/replay'],
    ['get', '/api/config/notifications'],
    ['put', '/api/config/notifications'],
    ['post', '/api/config/notifications/test'],
    ['post', '/webhooks/gravityzone'],
    ['post', '/webhooks/halopsa'],
    ['get', '/health'],
    ['get', '/ready'],
    ['get', '/metrics'],
    ['get', '/api/mappings/{id}/assets'],
    ['put', '/api/mappings/{id}/assets/{endpointId}'],
    ['delete', '/api/mappings/{id}/assets/{endpointId}'],
    ['delete', '/api/mappings/{id}/assets/{endpointId}/override'],
    ['get', '/api/mappings/{id}/halo-assets'],
    ['get', '/api/mappings/{id}/asset-matching'],
    ['put', '/api/mappings/{id}/asset-matching'],
    ['delete', '/api/mappings/{id}/asset-matching'],
    ['get', '/api/config/asset-matching'],
    ['put', '/api/config/asset-matching']
  ]
  for (const [method, path] of expected) {
    const op = doc.paths[path]?.[method]
    t.ok(op, `${method.toUpperCase()} ${path} is documented`)
    if (!op) continue
    t.ok(op.summary && op.tags?.length, `${method} ${path} has a summary and a tag`)
    if (path.startsWith('/api/')) {
      t.ok(
        op.responses?.['200'] ?? op.responses?.['201'] ?? op.responses?.['202'] ?? op.responses?.['204'],
        `${method} ${path} documents its success response`
      )
      t.ok(op.responses?.['401'], `${method} ${path} documents 401`)
      t.same(op.security, [{ bearer: [] }], `${method} ${path} needs a bearer token`)
      const success = op.responses?.['200'] ?? op.responses?.['201'] ?? op.responses?.['202']
      if (success && path !== '/api/audit/live')
        t.ok(success.content?.['application/json']?.schema, `${method} ${path} has a response schema`)
    }
    if (
      ['post', 'put', 'patch'].includes(method) &&
      [
        '/api/mappings',
        '/api/mappings/{id}',
        '/api/config/billing',
        '/api/config/ticketing',
        '/api/config/notifications',
        '/api/security-events/replay',
        '/api/config/ticket-rules',
        '/api/ticketing/rules/preview'
      ].includes(path)
    ) {
      t.ok(op.requestBody?.content?.['application/json']?.schema, `${method} ${path} has a request body schema`)
    }
    if (path.includes('{id}'))
      t.ok(
        op.parameters?.some((p) => p.name === 'id' && p.in === 'path'),
        `${method} ${path} documents its id`
      )
  }
  const documented = Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`))
    .sort()
  t.same(documented, expected.map(([m, p]) => `${m} ${p}`).sort(), 'no route is missing, none is extra')

  const listQuery = doc.paths['/api/events']!.get!.parameters!.map((p) => p.name).sort()
  t.same(listQuery, ['category', 'cursor', 'limit', 'mappingId', 'status', 'type'])
  for (const name of [
    'IntegrationEvent',
    'Mapping',
    'AuditFact',
    'EventCounts',
    'Error',
    'NewMapping',
    'MappingPatch',
    'BillingConfiguration',
    'TicketingConfiguration',
    'JobRun',
    'RelayStatus',
    'DirectoryItem',
    'MappingSuggestion',
    'Whoami'
  ]) {
    t.ok(
      Object.keys(doc.components.schemas).some((s) => s === name || s === `${name}Input`),
      `component ${name}`
    )
  }
  for (const ref of refs(doc)) {
    const target = ref.replace('#/components/schemas/', '')
    t.ok(ref.startsWith('#/components/schemas/') && doc.components.schemas[target], `$ref ${ref} resolves`)
  }
  t.ok(doc.components.securitySchemes.bearer)
})

t.test(
  'GET /docs is the API described for people: a page under a strict policy, its files served locally',
  async (t) => {
    const ctx = await testApp()
    t.teardown(ctx.close)
    const page = await ctx.app.inject({ method: 'GET', url: '/docs' })
    t.equal(page.statusCode, 200)
    t.match(page.headers['content-type'], /^text\/html/)
    t.match(page.body, /swagger-ui-bundle\.js/)
    t.notMatch(page.body, /https?:\/\//, 'nothing from another origin')
    t.equal(page.headers['content-security-policy'], apiDocsPolicy)
    t.notMatch(apiDocsPolicy, /script-src[^;]*unsafe|style-src [^;]*unsafe|unsafe-eval/)
    const script = await ctx.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' })
    t.equal(script.statusCode, 200)
    t.match(script.body, /\.\/json/, 'the page reads the same document, at /docs/json')
    t.equal(script.headers['content-security-policy'], apiDocsPolicy)
    const api = await ctx.app.inject({
      method: 'GET',
      url: '/api/events/count',
      headers: { authorization: 'Bearer x' }
    })
    t.notOk(api.headers['content-security-policy'], 'the API itself is untouched')
  }
)
