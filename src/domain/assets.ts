import { z } from 'zod'

/**
 * The asset directory's shapes and the matching rule (docs/assets.md): a GravityZone endpoint as the
 * relay keeps it, a HaloPSA asset as the relay keeps it, and the rule that pairs them ("Smart
 * match": one HaloPSA field against one endpoint property, exact or contains either way, with or
 * without case). Pure: no I/O, no clock.
 */

const Text = (max: number) => z.string().max(max)

/** What the relay keeps of a GravityZone endpoint (getEndpointsList / getNetworkInventoryItems). */
export const DirectoryEndpoint = z.object({
  id: z.string().min(1).max(64),
  name: Text(256),
  /** The label set on the endpoint in GravityZone; absent when none is set. */
  label: Text(256).optional(),
  ip: Text(128).optional(),
  /** As GravityZone lists them: 12 hex digits, no separators. */
  macs: z.array(Text(64)).max(32),
  fqdn: Text(256).optional(),
  /** GravityZone's `ssid`, which its documentation describes as the endpoint's Active Directory SID. */
  ssid: Text(256).optional()
})
export type DirectoryEndpoint = z.infer<typeof DirectoryEndpoint>

const FieldValue = z.object({ id: z.number().int(), name: Text(128).optional(), value: Text(512) })

/** What the relay keeps of a HaloPSA asset (`Device_List` of `GET /api/Asset`). */
export const DirectoryAsset = z.object({
  id: z.number().int().positive(),
  /** The asset tag. */
  inventoryNumber: Text(256).optional(),
  /** The value of the asset type's main field (usually the device name), and the two after it. */
  keyField: Text(256).optional(),
  keyField2: Text(256).optional(),
  keyField3: Text(256).optional(),
  assetType: Text(256).optional(),
  site: Text(256).optional(),
  /** The asset type's fields (`fields`, with `includeassetfields`). */
  fields: z.array(FieldValue).max(64),
  /** Custom fields (`customfields`). */
  customFields: z.array(FieldValue).max(64)
})
export type DirectoryAsset = z.infer<typeof DirectoryAsset>

/** The endpoint properties Bitdefender's Smart match offers. */
export const GravityZoneField = z.enum(['label', 'ip', 'mac', 'fqdn', 'ssid'])
export type GravityZoneField = z.infer<typeof GravityZoneField>

export const haloAssetProperties = ['inventory_number', 'key_field', 'key_field2', 'key_field3'] as const

/**
 * Which HaloPSA value a rule reads: one of the asset's own properties, `field:<id>` for a field of
 * its asset type, or a number for a custom field id.
 */
export const HaloField = z.union([
  z.enum(haloAssetProperties),
  z.string().regex(/^field:\d{1,9}$/, 'an asset type field is field:<id>'),
  z.number().int().positive().max(999_999_999)
])
export type HaloField = z.infer<typeof HaloField>

export const AssetMatchingRule = z.object({
  /** False: no automatic matching; manual links still apply. */
  enabled: z.boolean().default(true),
  haloField: HaloField,
  gravityzoneField: GravityZoneField,
  /** exact, or contains either way (either value contains the other). */
  mode: z.enum(['exact', 'contains']),
  caseSensitive: z.boolean()
})
export type AssetMatchingRule = z.infer<typeof AssetMatchingRule>

/** Until an operator says otherwise: the asset's main field (its name) equals the endpoint's label. */
export const defaultAssetMatchingRule: AssetMatchingRule = {
  enabled: true,
  haloField: 'key_field',
  gravityzoneField: 'label',
  mode: 'exact',
  caseSensitive: false
}

export const sameRule = (a: AssetMatchingRule, b: AssetMatchingRule): boolean =>
  a.enabled === b.enabled &&
  a.haloField === b.haloField &&
  a.gravityzoneField === b.gravityzoneField &&
  a.mode === b.mode &&
  a.caseSensitive === b.caseSensitive

/** A display name for an asset: its main field, else its tag, else its id. */
export const assetName = (a: DirectoryAsset): string => a.keyField || a.inventoryNumber || `Asset ${a.id}`

/** The label GravityZone shows for an endpoint: its label when one is set, else its name. */
export const endpointLabel = (e: DirectoryEndpoint): string => (e.label?.trim() ? e.label : e.name)

/** MACs in one form: lower-case hex without separators (GravityZone lists `324935237335`). */
export const normaliseMac = (value: string): string =>
  value
    .trim()
    .toLowerCase()
    .replace(/[:.\-\s]/g, '')

const normalise = (field: GravityZoneField, caseSensitive: boolean, value: string): string => {
  if (field === 'mac') return normaliseMac(value)
  const trimmed = value.trim()
  return caseSensitive || field === 'ip' ? trimmed : trimmed.toLowerCase()
}

const endpointRaw = (e: DirectoryEndpoint, field: GravityZoneField): string[] => {
  switch (field) {
    case 'label':
      return [endpointLabel(e)]
    case 'ip':
      return e.ip ? [e.ip] : []
    case 'mac':
      return e.macs
    case 'fqdn':
      return e.fqdn ? [e.fqdn] : []
    case 'ssid':
      return e.ssid ? [e.ssid] : []
  }
}

const assetRaw = (a: DirectoryAsset, field: HaloField): string[] => {
  if (typeof field === 'number') return a.customFields.filter((f) => f.id === field).map((f) => f.value)
  if (field.startsWith('field:')) {
    const id = Number(field.slice(6))
    return a.fields.filter((f) => f.id === id).map((f) => f.value)
  }
  const own: Record<(typeof haloAssetProperties)[number], string | undefined> = {
    inventory_number: a.inventoryNumber,
    key_field: a.keyField,
    key_field2: a.keyField2,
    key_field3: a.keyField3
  }
  const value = own[field as (typeof haloAssetProperties)[number]]
  return value ? [value] : []
}

const values = (raw: string[], field: GravityZoneField, caseSensitive: boolean): string[] => {
  // An asset field may hold several MACs ("aa:bb:…, cc:dd:…"); GravityZone lists one per entry.
  const split = field === 'mac' ? raw.flatMap((v) => v.split(/[,;\s]+/)) : raw
  return [...new Set(split.map((v) => normalise(field, caseSensitive, v)).filter((v) => v !== ''))]
}

export const endpointValues = (e: DirectoryEndpoint, rule: AssetMatchingRule): string[] =>
  values(endpointRaw(e, rule.gravityzoneField), rule.gravityzoneField, rule.caseSensitive)

/**
 * The assets a rule can match, indexed once for a directory. `candidates` answers, for one endpoint,
 * the assets whose value equals one of the endpoint's (exact), or contains one or is contained in one
 * (contains either way); in contains mode an equal value beats containment, so `PC1` does not also
 * claim the asset `PC10`.
 */
export const assetIndex = (assets: Iterable<DirectoryAsset>, rule: AssetMatchingRule, exclude: Set<number>) => {
  const exact = new Map<string, Set<number>>()
  const all: { id: number; values: string[] }[] = []
  for (const a of assets) {
    if (exclude.has(a.id)) continue
    const vs = values(assetRaw(a, rule.haloField), rule.gravityzoneField, rule.caseSensitive)
    if (vs.length === 0) continue
    all.push({ id: a.id, values: vs })
    for (const v of vs) exact.set(v, (exact.get(v) ?? new Set()).add(a.id))
  }
  return {
    candidates(endpoint: DirectoryEndpoint): Set<number> {
      const mine = endpointValues(endpoint, rule)
      const equal = new Set(mine.flatMap((v) => [...(exact.get(v) ?? [])]))
      if (equal.size > 0 || rule.mode === 'exact') return equal
      const containing = new Set<number>()
      for (const asset of all)
        if (asset.values.some((av) => mine.some((ev) => ev.includes(av) || av.includes(ev)))) containing.add(asset.id)
      return containing
    }
  }
}

/**
 * The rule's matches: an endpoint with exactly one candidate gets it, unless that asset is also
 * the only candidate of another endpoint (then neither: a ticket must not name the wrong machine).
 */
export const oneToOne = (proposals: Map<string, number>): Map<string, number> => {
  const claims = new Map<number, number>()
  for (const assetId of proposals.values()) claims.set(assetId, (claims.get(assetId) ?? 0) + 1)
  return new Map([...proposals].filter(([, assetId]) => claims.get(assetId) === 1))
}

type MatchOptions = { skipEndpoints?: Set<string>; excludeAssets?: Set<number> }

/**
 * The rule's matches over a directory, one endpoint at a time: the generator pauses every `every`
 * endpoints so a caller on the event loop can yield there (contains mode compares every pair).
 */
export function* matching(
  endpoints: Iterable<DirectoryEndpoint>,
  assets: Iterable<DirectoryAsset>,
  rule: AssetMatchingRule,
  options: MatchOptions = {},
  every = 250
): Generator<void, Map<string, number>, void> {
  const proposals = new Map<string, number>()
  if (!rule.enabled) return proposals
  const index = assetIndex(assets, rule, options.excludeAssets ?? new Set())
  let seen = 0
  for (const e of endpoints) {
    if (options.skipEndpoints?.has(e.id)) continue
    const found = index.candidates(e)
    if (found.size === 1) proposals.set(e.id, [...found][0]!)
    if (++seen % every === 0) yield
  }
  return oneToOne(proposals)
}

/** Every match at once (small directories, tests). */
export const matchDirectory = (
  endpoints: Iterable<DirectoryEndpoint>,
  assets: Iterable<DirectoryAsset>,
  rule: AssetMatchingRule,
  options: MatchOptions = {}
): Map<string, number> => {
  const steps = matching(endpoints, assets, rule, options)
  for (;;) {
    const step = steps.next()
    if (step.done) return step.value
  }
}
