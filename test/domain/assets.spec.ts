import t from 'tap'
import {
  defaultAssetMatchingRule,
  matchDirectory,
  type AssetMatchingRule,
  type DirectoryAsset,
  type DirectoryEndpoint
} from '../../src/domain/assets.js'
import { assetDirectory, resolveAsset, type AssetDirectoryCommand } from '../../src/domain/assetDirectory.js'
import type { DomainFact } from '../../src/domain/facts.js'
import { foldDecider } from '../support/given.js'

/** Matching rules and the asset directory's decisions, pure (docs/assets.md#matching). */

const endpoint = (id: string, more: Partial<DirectoryEndpoint> = {}): DirectoryEndpoint => ({
  id,
  name: id.toUpperCase(),
  macs: [],
  ...more
})
const asset = (id: number, more: Partial<DirectoryAsset> = {}): DirectoryAsset => ({
  id,
  fields: [],
  customFields: [],
  ...more
})
const rule = (more: Partial<AssetMatchingRule>): AssetMatchingRule => ({ ...defaultAssetMatchingRule, ...more })
const pairs = (m: Map<string, number>) => Object.fromEntries(m)

t.test('by default an asset whose main field is the endpoint label matches it, whatever the case', async (t) => {
  const found = matchDirectory(
    [endpoint('a', { label: 'Front-Desk' }), endpoint('b'), endpoint('c')],
    [asset(1, { keyField: 'front-desk' }), asset(2, { keyField: 'B' }), asset(3, { keyField: 'Other' })],
    defaultAssetMatchingRule
  )
  t.same(pairs(found), { a: 1, b: 2 }, 'the label, else the name; c has no asset')
  const strict = matchDirectory(
    [endpoint('a', { label: 'Front-Desk' })],
    [asset(1, { keyField: 'front-desk' })],
    rule({ caseSensitive: true })
  )
  t.same(pairs(strict), {}, 'case-sensitive: no match')
})

t.test('contains either way matches either value inside the other; an equal value wins over containment', async (t) => {
  const r = rule({ mode: 'contains' })
  t.same(pairs(matchDirectory([endpoint('pc1')], [asset(1, { keyField: 'Office PC1 (Anna)' })], r)), { pc1: 1 })
  t.same(pairs(matchDirectory([endpoint('x', { label: 'PC1.corp.local' })], [asset(1, { keyField: 'pc1' })], r)), {
    x: 1
  })
  t.same(
    pairs(matchDirectory([endpoint('pc1')], [asset(1, { keyField: 'PC1' }), asset(2, { keyField: 'PC10' })], r)),
    { pc1: 1 },
    'PC1 does not also claim PC10'
  )
})

t.test('MAC addresses compare in one form whatever their separators; IPs as trimmed strings', async (t) => {
  const byMac = rule({ haloField: 'field:7', gravityzoneField: 'mac' })
  const found = matchDirectory(
    [endpoint('a', { macs: ['00155d01ab02'] }), endpoint('b', { macs: ['00155D01AB03'] })],
    [
      asset(1, { fields: [{ id: 7, value: '00-15-5D-01-AB-02' }] }),
      asset(2, { fields: [{ id: 7, value: 'aa:aa:aa:aa:aa:aa, 00:15:5d:01:ab:03' }] })
    ],
    byMac
  )
  t.same(pairs(found), { a: 1, b: 2 })
  const byIp = rule({ haloField: 12, gravityzoneField: 'ip' })
  t.same(
    pairs(
      matchDirectory(
        [endpoint('a', { ip: '10.0.0.5' })],
        [asset(1, { customFields: [{ id: 12, value: ' 10.0.0.5 ' }] })],
        byIp
      )
    ),
    { a: 1 },
    'a custom field by id'
  )
})

t.test('an ambiguous pair is left unmatched: two assets for one endpoint, or one asset for two', async (t) => {
  t.same(
    pairs(
      matchDirectory(
        [endpoint('a')],
        [asset(1, { keyField: 'A' }), asset(2, { keyField: 'a' })],
        defaultAssetMatchingRule
      )
    ),
    {}
  )
  const shared = matchDirectory(
    [endpoint('a', { label: 'Lab' }), endpoint('b', { label: 'lab' })],
    [asset(1, { keyField: 'LAB' })],
    defaultAssetMatchingRule
  )
  t.same(pairs(shared), {})
  t.same(pairs(matchDirectory([endpoint('a')], [asset(1, { keyField: 'A' })], rule({ enabled: false }))), {}, 'off')
})

const mappingId = 'm1'
const decide = (given: DomainFact[], command: AssetDirectoryCommand) =>
  assetDirectory.decide(command, foldDecider(assetDirectory, given))
const observeEndpoints = (endpoints: DirectoryEndpoint[]): AssetDirectoryCommand => ({
  type: 'ObserveEndpoints',
  data: { mappingId, companyId: 'c1', endpoints }
})

t.test('a read appends only what changed, and a big first read spans several facts', async (t) => {
  const first = decide([], observeEndpoints([endpoint('a'), endpoint('b')]))
  t.match(first, [{ type: 'EndpointsChanged', data: { added: [{ id: 'a' }, { id: 'b' }], removed: [] } }])
  t.same(decide(first, observeEndpoints([endpoint('b'), endpoint('a')])), [], 'the same read again: nothing')
  t.match(decide(first, observeEndpoints([endpoint('a', { ip: '10.0.0.9' })])), [
    { type: 'EndpointsChanged', data: { added: [], changed: [{ id: 'a', ip: '10.0.0.9' }], removed: ['b'] } }
  ])
  const many = Array.from({ length: 3000 }, (_, i) =>
    endpoint(`e${i}`, { label: 'x'.repeat(100), fqdn: 'y'.repeat(100) })
  )
  const chunks = decide([], observeEndpoints(many))
  t.ok(chunks.length > 1, `${chunks.length} facts`)
  t.ok(
    chunks.every((f) => JSON.stringify(f.data).length < 256_000),
    'each under 256 KB'
  )
  t.equal(
    chunks.reduce((n, f) => n + (f.data as { added: unknown[] }).added.length, 0),
    3000
  )
})

t.test('a manual link wins over the rule and takes the asset from it; an unlink leaves none', async (t) => {
  const given: DomainFact[] = [
    ...decide([], observeEndpoints([endpoint('a'), endpoint('b')])),
    ...decide([], {
      type: 'ObserveAssets',
      data: { mappingId, clientId: 5, assets: [asset(1, { keyField: 'A' }), asset(2, { keyField: 'B' })] }
    })
  ]
  const matches = (g: DomainFact[]) => {
    const state = foldDecider(assetDirectory, g)
    const found = matchDirectory(state.endpoints.values(), state.assets.values(), defaultAssetMatchingRule, {
      skipEndpoints: new Set(state.overrides.keys())
    })
    return [
      ...g,
      ...decide(g, { type: 'RecordMatches', data: { mappingId, rule: defaultAssetMatchingRule, matches: found } })
    ]
  }
  const matched = matches(given)
  t.match(resolveAsset(foldDecider(assetDirectory, matched), 'a'), { haloAssetId: 1, matchedBy: 'rule' })

  const linked = matches([
    ...matched,
    ...decide(matched, { type: 'Link', data: { mappingId, endpointId: 'b', haloAssetId: 1 } })
  ])
  const state = foldDecider(assetDirectory, linked)
  t.match(resolveAsset(state, 'b'), { haloAssetId: 1, matchedBy: 'manual', override: 'link' })
  t.match(resolveAsset(state, 'a'), { matchedBy: 'none' }, 'the linked asset is no longer the rule’s to give')

  const unlinked = [...linked, ...decide(linked, { type: 'Unlink', data: { mappingId, endpointId: 'b' } })]
  t.match(resolveAsset(foldDecider(assetDirectory, unlinked), 'b'), { matchedBy: 'none', override: 'unlink' })
  t.throws(() => decide(unlinked, { type: 'Link', data: { mappingId, endpointId: 'b', haloAssetId: 99 } }), {
    code: 'unknown_asset'
  })
  t.throws(() => decide(unlinked, { type: 'Unlink', data: { mappingId, endpointId: 'zz' } }), {
    code: 'endpoint_not_found'
  })
})
