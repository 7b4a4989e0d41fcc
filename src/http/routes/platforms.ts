import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Relay } from '../../services/relay.js'
import type { DirectoryKind, Platform } from '../../domain/facts.js'
import { errorResponses, listOf } from '../schemas.js'

/**
 * The platform directories, mapping suggestions and "who am I" (docs/dashboard.md): what the
 * dashboard's pickers and the Mappings page read. Directories come from the read model the polls
 * keep, never from a platform call per request.
 */

const register = <T extends z.ZodType>(schema: T, id: string): T => {
  z.globalRegistry.add(schema, { id })
  return schema
}

const DirectoryItem = register(
  z.object({
    id: z.union([z.string(), z.number().int()]).describe('GravityZone ids are strings, HaloPSA ids numbers'),
    name: z.string(),
    inactive: z.boolean().optional().describe('HaloPSA: the client is inactive'),
    partner: z.boolean().optional().describe('GravityZone: a partner company'),
    suspended: z.boolean().optional().describe('GravityZone: the company is suspended'),
    mappingId: z.string().optional().describe('companies and clients: the mapping that uses it')
  }),
  'DirectoryItem'
)

const ListQuery = z.object({
  q: z.string().max(200).optional().describe('case-insensitive part of the name'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(400).optional()
})
const MappableQuery = ListQuery.extend({
  unmapped: z
    .enum(['true', 'false'])
    .optional()
    .describe('true: only what no mapping uses (and clients that are active)')
})

const Suggestion = register(
  z.object({
    gravityzoneCompany: z.object({ id: z.string(), name: z.string() }),
    halopsaClient: z.object({ id: z.number().int(), name: z.string() }),
    confidence: z
      .number()
      .min(0)
      .max(1)
      .describe('1: the same name once case, punctuation and legal suffixes are set aside'),
    exact: z.boolean()
  }),
  'MappingSuggestion'
)

const Whoami = register(z.object({ name: z.string(), scope: z.enum(['read', 'operate']) }), 'Whoami')

const directories: { path: string; platform: Platform; kind: DirectoryKind; what: string; mappable: boolean }[] = [
  {
    path: 'gravityzone/companies',
    platform: 'gravityzone',
    kind: 'companies',
    what: 'GravityZone companies',
    mappable: true
  },
  { path: 'halopsa/clients', platform: 'halopsa', kind: 'clients', what: 'HaloPSA clients', mappable: true },
  { path: 'halopsa/items', platform: 'halopsa', kind: 'items', what: 'HaloPSA items', mappable: false },
  {
    path: 'halopsa/ticket-types',
    platform: 'halopsa',
    kind: 'ticketTypes',
    what: 'HaloPSA ticket types',
    mappable: false
  },
  { path: 'halopsa/statuses', platform: 'halopsa', kind: 'statuses', what: 'HaloPSA ticket statuses', mappable: false },
  { path: 'halopsa/priorities', platform: 'halopsa', kind: 'priorities', what: 'HaloPSA priorities', mappable: false }
]

export const platformRoutes =
  (relay: Relay): FastifyPluginAsyncZod =>
  async (app) => {
    for (const d of directories) {
      app.get(
        `/api/platforms/${d.path}`,
        {
          config: { scope: 'read' },
          schema: {
            tags: ['platforms'],
            summary: `${d.what}, as the last poll read them, by name`,
            querystring: d.mappable ? MappableQuery : ListQuery,
            response: { 200: listOf(DirectoryItem), ...errorResponses(400, 401) }
          }
        },
        async (request) => {
          const { unmapped, ...query } = request.query as z.infer<typeof MappableQuery>
          return relay.directory.list(d.platform, d.kind, { ...query, unmapped: unmapped === 'true' })
        }
      )
    }

    app.get(
      '/api/mappings/suggestions',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['mappings'],
          summary: 'Unmapped GravityZone companies paired with unmapped HaloPSA clients by name, best first',
          querystring: z.object({
            limit: z.coerce.number().int().min(1).max(2_000).default(200),
            minConfidence: z.coerce.number().min(0).max(1).default(0.5)
          }),
          response: { 200: listOf(Suggestion), ...errorResponses(400, 401) }
        }
      },
      async (request) => relay.directory.suggestions(request.query)
    )

    app.get(
      '/api/whoami',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['operations'],
          summary: "The calling token's name (the actor its actions record) and scope",
          response: { 200: Whoami, ...errorResponses(401) }
        }
      },
      async (request) => ({ name: request.actor!.name, scope: request.actor!.scope })
    )
  }
