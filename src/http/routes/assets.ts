import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { AssetMatchingRule } from '../../domain/assets.js'
import type { Relay } from '../../services/relay.js'
import { causeOf } from '../cause.js'
import { IdParams, errorResponses } from '../schemas.js'

/**
 * Asset mappings (docs/assets.md#the-api): each endpoint of a mapping's company with the HaloPSA
 * asset its tickets carry, manual links and unlinks, the client's assets for a picker, and the
 * matching rule (global and per mapping). Reads answer from the read model; writes are facts.
 */

const EndpointParams = IdParams.extend({ endpointId: z.string().min(1).max(64) })

const EndpointAsset = z.object({
  endpointId: z.string(),
  endpointName: z.string(),
  label: z.string().optional(),
  ip: z.string().nullable(),
  mac: z.string().nullable().describe('the first MAC address, aa:bb:cc:dd:ee:ff'),
  macs: z.array(z.string()),
  fqdn: z.string().optional(),
  haloAssetId: z.number().int().optional(),
  haloAssetName: z.string().optional(),
  haloAssetTag: z.string().optional().describe("the asset's inventory_number"),
  matchedBy: z.enum(['rule', 'manual', 'none']),
  override: z.enum(['link', 'unlink']).optional().describe("an operator's link or unlink, which wins over the rule")
})

const RuleBody = AssetMatchingRule.strict()
const RuleAnswer = AssetMatchingRule.extend({ source: z.enum(['global', 'mapping']) })

const Page = {
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(400).optional(),
  search: z.string().max(200).optional()
}

const EndpointAssetList = z.object({
  items: z.array(EndpointAsset),
  nextCursor: z.string().nullable(),
  counts: z.object({
    endpoints: z.number().int(),
    matched: z.number().int(),
    unmatched: z.number().int(),
    assets: z.number().int().describe("the client's HaloPSA assets")
  }),
  rule: RuleAnswer
})

const HaloAssetList = z.object({
  items: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      inventoryNumber: z.string().optional(),
      assetType: z.string().optional(),
      site: z.string().optional(),
      endpointIds: z.array(z.string()).describe('endpoints whose tickets carry this asset now')
    })
  ),
  nextCursor: z.string().nullable()
})

export const assetRoutes =
  (relay: Relay): FastifyPluginAsyncZod =>
  async (app) => {
    const tags = ['mappings']
    app.get(
      '/api/mappings/:id/assets',
      {
        config: { scope: 'read' },
        schema: {
          tags,
          summary: "The mapping's endpoints and the HaloPSA asset each one's tickets carry",
          params: IdParams,
          querystring: z.object({ status: z.enum(['all', 'matched', 'unmatched']).default('all'), ...Page }),
          response: { 200: EndpointAssetList, ...errorResponses(400, 401, 404) }
        }
      },
      async (request) => relay.assets.list(request.params.id, request.query)
    )

    app.put(
      '/api/mappings/:id/assets/:endpointId',
      {
        config: { scope: 'operate' },
        schema: {
          tags,
          summary: 'Link the endpoint to a HaloPSA asset by hand (wins over the rule)',
          params: EndpointParams,
          body: z.object({ haloAssetId: z.number().int().positive() }).strict(),
          response: { 200: EndpointAsset, ...errorResponses(400, 401, 403, 404, 409, 422) }
        }
      },
      async (request) =>
        relay.assets.link(request.params.id, request.params.endpointId, request.body.haloAssetId, causeOf(request))
    )

    app.delete(
      '/api/mappings/:id/assets/:endpointId',
      {
        config: { scope: 'operate' },
        schema: {
          tags,
          summary: 'Unlink: the endpoint carries no asset, whatever the rule says',
          params: EndpointParams,
          response: { 200: EndpointAsset, ...errorResponses(401, 403, 404, 409) }
        }
      },
      async (request) => relay.assets.unlink(request.params.id, request.params.endpointId, causeOf(request))
    )

    app.delete(
      '/api/mappings/:id/assets/:endpointId/override',
      {
        config: { scope: 'operate' },
        schema: {
          tags,
          summary: "Forget the endpoint's manual link or unlink: the rule decides again",
          params: EndpointParams,
          response: { 200: EndpointAsset, ...errorResponses(401, 403, 404, 409) }
        }
      },
      async (request) => relay.assets.useRule(request.params.id, request.params.endpointId, causeOf(request))
    )

    app.get(
      '/api/mappings/:id/halo-assets',
      {
        config: { scope: 'read' },
        schema: {
          tags,
          summary: "The mapping's client's HaloPSA assets, as last read (for picking one)",
          params: IdParams,
          querystring: z.object(Page),
          response: { 200: HaloAssetList, ...errorResponses(400, 401, 404) }
        }
      },
      async (request) => relay.assets.haloAssets(request.params.id, request.query)
    )

    for (const [method, summary] of [
      ['get', "The mapping's matching rule: its own, else the global one"],
      ['put', 'Give the mapping its own matching rule'],
      ['delete', 'Back to the global matching rule']
    ] as const) {
      app.route({
        method: method.toUpperCase() as 'GET' | 'PUT' | 'DELETE',
        url: '/api/mappings/:id/asset-matching',
        config: { scope: method === 'get' ? 'read' : 'operate' },
        schema: {
          tags,
          summary,
          params: IdParams,
          ...(method === 'put' ? { body: RuleBody } : {}),
          response: { 200: RuleAnswer, ...errorResponses(400, 401, 403, 404, 409) }
        },
        handler: async (request) => {
          const { id } = request.params as { id: string }
          if (method === 'get') return relay.assets.mappingRule(id)
          const rule = method === 'put' ? (request.body as AssetMatchingRule) : null
          return relay.assets.putMappingRule(id, rule, causeOf(request))
        }
      })
    }

    app.get(
      '/api/config/asset-matching',
      {
        config: { scope: 'read' },
        schema: {
          tags: ['configuration'],
          summary: 'The global asset matching rule',
          response: { 200: AssetMatchingRule, ...errorResponses(401) }
        }
      },
      async () => relay.assets.globalRule()
    )

    app.put(
      '/api/config/asset-matching',
      {
        config: { scope: 'operate' },
        schema: {
          tags: ['configuration'],
          summary: 'Replace the global asset matching rule (every mapping without its own is matched again)',
          body: RuleBody,
          response: { 200: AssetMatchingRule, ...errorResponses(400, 401, 403, 409) }
        }
      },
      async (request) => relay.assets.putGlobalRule(request.body, causeOf(request))
    )
  }
