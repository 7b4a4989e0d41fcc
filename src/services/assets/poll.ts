import type { Cause } from '../../domain/metadata.js'
import type { DirectoryAsset, DirectoryEndpoint } from '../../domain/assets.js'
import type { AssetDirectoryCommand, AssetDirectoryState } from '../../domain/assetDirectory.js'
import type { Mapping } from '../../domain/mappingRegistry.js'
import { streams } from '../../domain/streams.js'
import { integrationEventsProjection, isSuspended } from '../../../projections/integrationEvents.js'
import { mappingsProjection } from '../../../projections/mappings.js'
import { assetsProjection } from '../../../projections/assets.js'
import type { GravityZoneClient } from '../../platforms/gravityzone/client.js'
import type { GzEndpoint } from '../../platforms/gravityzone/endpoints.js'
import type { HaloPsaClient } from '../../platforms/halopsa/client.js'
import type { HaloAsset } from '../../platforms/halopsa/schemas.js'
import type { CommandHandler } from '../commandHandler.js'
import type { ProjectionRunner } from '../projectionRunner.js'
import { count, type Tally } from '../inventory/tally.js'
import type { Logger } from '../../logger.js'
import { isPlatformError } from '../../platforms/transport/errors.js'
import { readCheaper, type CheaperRead, type CheaperReadResult } from './cheaperRead.js'

/**
 * The inventory poll's asset part (docs/assets.md#reading-the-directory): the endpoints of every
 * mapped company and the assets of every mapped client, read in bulk, recorded only when they
 * changed, then matched again. A full read happens every ASSET_POLL_INTERVAL; in between, a poll
 * reads only the mappings whose directory is missing or names another company or client (a new or
 * edited mapping), so a poll with nothing to read makes no call.
 */

export type AssetPollReport = {
  full: boolean
  endpoints: { mappings: number; way: string }
  assets: { mappings: number; way: string }
  errors: string[]
}

/** A mapping's directory beyond this is cut (and said so in the log): matching must stay bounded. */
const MAX_PER_MAPPING = 20_000

const clip = (value: string | undefined | null, max: number): string | undefined =>
  value ? (value.length > max ? value.slice(0, max) : value) : undefined

const defined = <T extends Record<string, unknown>>(record: T): T =>
  Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T

export const toDirectoryEndpoint = (e: GzEndpoint): DirectoryEndpoint =>
  defined({
    id: e.id.slice(0, 64),
    name: clip(e.name, 256) ?? '',
    label: clip(e.label, 256),
    ip: clip(e.ip, 128),
    macs: e.macs.slice(0, 32).map((m) => m.slice(0, 64)),
    fqdn: clip(e.fqdn, 256),
    ssid: clip(e.ssid, 256)
  })

const fieldValues = (fields: { id: number; name: string | null; value: string | undefined }[]) =>
  fields
    .filter((f) => f.value !== undefined && f.value !== '')
    .slice(0, 64)
    .map((f) => defined({ id: f.id, name: clip(f.name, 128), value: clip(f.value, 512)! }))

export const toDirectoryAsset = (a: HaloAsset): DirectoryAsset =>
  defined({
    id: a.id,
    inventoryNumber: clip(a.inventoryNumber, 256),
    keyField: clip(a.keyField, 256),
    keyField2: clip(a.keyField2, 256),
    keyField3: clip(a.keyField3, 256),
    assetType: clip(a.assetTypeName, 256),
    site: clip(a.siteName, 256),
    fields: fieldValues(a.fields),
    customFields: fieldValues(a.customFields)
  })

export const createAssetPoll = (deps: {
  runner: ProjectionRunner
  handler: CommandHandler<AssetDirectoryCommand, AssetDirectoryState>
  gravityzone: GravityZoneClient
  halopsa: HaloPsaClient
  /** Matches a mapping's directory again after it changed. */
  rematch(mappingId: string, cause: Cause, tally: Tally): Promise<unknown>
  /** ASSET_POLL_INTERVAL: how often everything is read again. */
  intervalMs: number
  now: () => Date
  /** Page size of HaloPSA's asset list (the inventory's page size). */
  pageSize: number
  logger?: Logger
}) => {
  let lastFullRead: number | undefined
  const known: { gravityzone?: number; halopsa?: number } = {}

  const cut = <T>(what: string, m: Mapping, items: T[]): T[] => {
    if (items.length <= MAX_PER_MAPPING) return items
    deps.logger?.warn({ mappingId: m.id, count: items.length }, `${what}: only the first ${MAX_PER_MAPPING} are kept`)
    return items.slice(0, MAX_PER_MAPPING)
  }

  const observe = async (m: Mapping, command: AssetDirectoryCommand, cause: Cause, tally: Tally) => {
    const result = await deps.handler.handle(streams.assets(m.id), command, cause)
    count(tally, result)
    return result.facts.length > 0
  }

  return async (cause: Cause, tally: Tally): Promise<AssetPollReport> => {
    const at = deps.now().getTime()
    const full = lastFullRead === undefined || at - lastFullRead >= deps.intervalMs
    const events = deps.runner.state(integrationEventsProjection)
    const directories = deps.runner.state(assetsProjection).byMapping
    const mappings = [...deps.runner.state(mappingsProjection).mappings.values()].filter(
      (m) => !isSuspended(events, m.id)
    )
    const gzDue = mappings.filter((m) => full || directories.get(m.id)?.companyId !== m.gravityzoneCompanyId)
    const haloDue = mappings.filter((m) => full || directories.get(m.id)?.clientId !== m.halopsaClientId)
    const errors: string[] = []
    const touched = new Set<Mapping>()
    /** One platform's read; when it fails as a whole, the other is still read. */
    const read = async <Owner, Item>(what: string, how: CheaperRead<Owner, Item>) => {
      try {
        return await readCheaper(how)
      } catch (error) {
        if (!isPlatformError(error)) throw error
        errors.push(`${what}: ${error.message}`)
        const none: CheaperReadResult<Owner, Item> = { byOwner: new Map(), failed: new Map(), way: 'failed' }
        return none
      }
    }

    const endpoints = await read<string, GzEndpoint>('GravityZone endpoints', {
      owners: gzDue.map((m) => m.gravityzoneCompanyId),
      bulkPage: async (page) => {
        const answer = await deps.gravityzone.endpointInventoryPage({ page })
        return { pages: answer.pagesCount, items: answer.items }
      },
      ownerOf: (e) => e.companyId,
      perOwner: (companyId) => deps.gravityzone.listEndpoints({ parentId: companyId }),
      ...(known.gravityzone !== undefined ? { knownPages: known.gravityzone } : {})
    })
    if (endpoints.pages !== undefined) known.gravityzone = endpoints.pages
    for (const m of gzDue) {
      const found = endpoints.byOwner.get(m.gravityzoneCompanyId)
      const failed = endpoints.failed.get(m.gravityzoneCompanyId)
      if (failed) errors.push(`GravityZone endpoints of ${m.gravityzoneCompanyId}: ${failed.message}`)
      if (!found) continue
      const list = cut('GravityZone endpoints', m, found).map(toDirectoryEndpoint)
      const data = { mappingId: m.id, companyId: m.gravityzoneCompanyId, endpoints: list }
      if (await observe(m, { type: 'ObserveEndpoints', data }, cause, tally)) touched.add(m)
    }

    const assets = await read<number, HaloAsset>('HaloPSA assets', {
      owners: haloDue.map((m) => m.halopsaClientId),
      bulkPage: async (pageNo) => {
        const answer = await deps.halopsa.assets.page({ pageNo, pageSize: deps.pageSize })
        return { pages: Math.max(1, Math.ceil(answer.recordCount / deps.pageSize)), items: answer.records }
      },
      ownerOf: (a) => a.clientId ?? undefined,
      perOwner: (clientId) => deps.halopsa.assets.all({ clientId, pageSize: deps.pageSize }),
      ...(known.halopsa !== undefined ? { knownPages: known.halopsa } : {})
    })
    if (assets.pages !== undefined) known.halopsa = assets.pages
    for (const m of haloDue) {
      const found = assets.byOwner.get(m.halopsaClientId)
      const failed = assets.failed.get(m.halopsaClientId)
      if (failed) errors.push(`HaloPSA assets of client ${m.halopsaClientId}: ${failed.message}`)
      if (!found) continue
      const list = cut('HaloPSA assets', m, found).map(toDirectoryAsset)
      const data = { mappingId: m.id, clientId: m.halopsaClientId, assets: list }
      if (await observe(m, { type: 'ObserveAssets', data }, cause, tally)) touched.add(m)
    }

    for (const m of touched) await deps.rematch(m.id, cause, tally)
    if (full && errors.length === 0) lastFullRead = at
    return {
      full,
      endpoints: { mappings: gzDue.length, way: endpoints.way },
      assets: { mappings: haloDue.length, way: assets.way },
      errors
    }
  }
}

export type AssetPoll = ReturnType<typeof createAssetPoll>
