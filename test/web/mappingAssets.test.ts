import t from 'tap'
import type { Page } from 'playwright-core'
import { streams } from '../../src/domain/streams.js'
import type { DirectoryAsset, DirectoryEndpoint } from '../../src/domain/assets.js'
import { screenshot, waitForText } from './support/browser.js'
import { openDashboard } from './support/dashboard.js'
import { tokens } from '../support/app.js'
import { createMapping, customer } from './support/seed.js'

// Given a mapping whose company's endpoints and client's HaloPSA assets the inventory poll has read
// (two endpoints match assets by label, one does not), when an operator opens the mapping's Assets
// tab in a real browser, then matched and unmatched endpoints are told apart, an endpoint is linked
// by picking an asset found by search, and unlinked; the API holds what the page said.

const { ctx, tab } = await openDashboard(t)
const acme = await createMapping(ctx, customer(0))
const cause = { actor: 'web-test', correlationId: 'web-test-assets' }

const endpoint = (n: number, name: string): DirectoryEndpoint => ({
  id: `ep${n}`.padEnd(24, '0'),
  name,
  ip: `10.0.0.${n}`,
  macs: [`00155d0000${String(n).padStart(2, '0')}`]
})
const asset = (id: number, name: string, tag: string): DirectoryAsset => ({
  id,
  keyField: name,
  inventoryNumber: tag,
  fields: [],
  customFields: []
})

const observed = async () => {
  const handle = (command: Parameters<typeof ctx.relay.handlers.assets.handle>[1]) =>
    ctx.relay.handlers.assets.handle(streams.assets(acme.id), command, cause)
  await handle({
    type: 'ObserveEndpoints',
    data: {
      mappingId: acme.id,
      companyId: acme.customer.companyId,
      endpoints: [endpoint(1, 'ACME-WS001'), endpoint(2, 'ACME-WS002'), endpoint(3, 'ACME-LAPTOP9')]
    }
  })
  await handle({
    type: 'ObserveAssets',
    data: {
      mappingId: acme.id,
      clientId: acme.customer.clientId,
      assets: [
        asset(501, 'ACME-WS001', 'A-0001'),
        asset(502, 'acme-ws002', 'A-0002'),
        asset(503, 'Reception PC', 'A-0003')
      ]
    }
  })
  const position = await ctx.relay.assets.rematch(acme.id, cause)
  if (position !== null) await ctx.relay.runner.waitForPosition(position)
}
await observed()

type Item = { endpointId: string; haloAssetId?: number; matchedBy: string; override?: string }
const itemOf = async (endpointId: string) =>
  (await ctx.api<{ items: Item[] }>('GET', `/api/mappings/${acme.id}/assets`)).body.items.find(
    (i) => i.endpointId === endpointId
  )

const openAssets = async (page: Page) => {
  await page.goto(`${ctx.url}/#/mappings/${acme.id}`)
  await page.getByRole('heading', { level: 1, name: /Acme Dental Group/ }).waitFor()
  await page.getByRole('tab', { name: 'Assets' }).click()
  await page.getByRole('heading', { level: 2, name: 'Assets' }).waitFor()
  await page.locator('#mapping-tab-assets tbody tr').first().waitFor()
}

t.test('the Assets tab lists matched and unmatched endpoints with the asset and why', async (t) => {
  const page = await tab(t)
  await openAssets(page)
  t.match(page.url(), /tab=assets$/, 'the tab is in the address')
  await waitForText(
    page.locator('#mapping-tab-assets p.muted').first(),
    '3 endpoints: 2 with a HaloPSA asset, 1 without; the client has 3 HaloPSA assets.'
  )
  const rows = page.locator('#mapping-tab-assets tbody tr')
  t.equal(await rows.count(), 3)
  t.match(
    await rows.filter({ hasText: 'ACME-WS002' }).textContent(),
    /10\.0\.0\.2.*00:15:5d:00:00:02.*acme-ws002.*#502.*Rule/
  )
  t.match(await rows.filter({ hasText: 'ACME-LAPTOP9' }).textContent(), /none.*None/)

  await page.getByLabel('Show').selectOption('unmatched')
  // The unmatched endpoint was listed before the filter too: wait for the others to go.
  await rows.nth(1).waitFor({ state: 'detached' })
  await waitForText(rows.first(), /ACME-LAPTOP9/)
  t.equal(await rows.count(), 1, 'only the unmatched endpoint')
  await screenshot(page, 'mapping-assets')

  // A reload keeps the tab.
  await page.reload()
  await page.getByRole('heading', { level: 2, name: 'Assets' }).waitFor()
  t.equal(await page.getByRole('tab', { name: 'Assets' }).getAttribute('aria-selected'), 'true')
  t.ok(await page.locator('#mapping-tab-settings').isHidden(), 'the settings are behind their tab')
})

t.test('an operator links an endpoint by picking an asset found by search, then unlinks another', async (t) => {
  const page = await tab(t)
  await openAssets(page)
  const laptop = page.locator('#mapping-tab-assets tbody tr', { hasText: 'ACME-LAPTOP9' })
  await laptop.getByRole('button', { name: 'Link…' }).click()
  const picker = page.getByRole('group', { name: 'Link ACME-LAPTOP9 to a HaloPSA asset' })
  await picker.getByLabel('Find a HaloPSA asset for ACME-LAPTOP9').fill('recep')
  await waitForText(picker.getByRole('list'), /^Reception PC \(A-0003\)$/)
  await picker.getByRole('button', { name: 'Reception PC (A-0003)' }).click()
  await waitForText(
    page.locator('#mapping-tab-assets').getByRole('status'),
    'ACME-LAPTOP9 is linked to Reception PC; its tickets carry this asset.'
  )
  await waitForText(laptop.locator('td').nth(4), 'Manual')
  t.match(await itemOf(endpoint(3, '').id), { haloAssetId: 503, matchedBy: 'manual', override: 'link' })

  const first = page.locator('#mapping-tab-assets tbody tr', { hasText: 'ACME-WS001' })
  await first.getByRole('button', { name: 'Unlink' }).click()
  await waitForText(
    page.locator('#mapping-tab-assets').getByRole('status'),
    'ACME-WS001 is unlinked; its tickets carry no asset.'
  )
  await waitForText(first.locator('td').nth(4), 'Unlinked')
  t.match(await itemOf(endpoint(1, '').id), { matchedBy: 'none', override: 'unlink' })

  await first.getByRole('button', { name: 'Use rule' }).click()
  await waitForText(page.locator('#mapping-tab-assets').getByRole('status'), 'ACME-WS001 follows the rule again.')
  t.match(await itemOf(endpoint(1, '').id), { haloAssetId: 501, matchedBy: 'rule' })
})

t.test('a read-only token sees the assets without the Unlink it cannot use (its scope from /api/whoami)', async (t) => {
  const page = await tab(t, tokens.reader)
  await openAssets(page)
  const row = page.locator('#mapping-tab-assets tbody tr', { hasText: 'ACME-WS002' })
  await row.waitFor()
  await waitForText(page.locator('#read-only-banner'), 'read scope')
  t.equal(await row.getByRole('button', { name: 'Unlink' }).count(), 0)
  t.match(await itemOf(endpoint(2, '').id), { haloAssetId: 502, matchedBy: 'rule' }, 'nothing changed')
})
