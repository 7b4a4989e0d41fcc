import t from 'tap'
import type { Page } from 'playwright-core'
import { tokens } from '../support/app.js'
import { waitForText } from './support/browser.js'
import { openDashboard } from './support/dashboard.js'
import { seedDemoDirectory } from './support/directory.js'
import { companyGone, createMapping, customer } from './support/seed.js'

// Given the platforms' directories (two GravityZone names spelled differently from HaloPSA's) and
// a mapping whose company has gone, when a person opens Mappings, then suggestions pair the
// unmapped names, nothing is mapped until a click, and the suspended mapping's switches say why.

const { ctx, browser, tab } = await openDashboard(t)
await seedDemoDirectory(ctx)
const acme = await createMapping(ctx, customer(0), { billing: true, ticketing: true })
await companyGone(ctx, acme)

type Mapping = { gravityzoneCompanyName?: string; halopsaClientName?: string }
const mappings = async () => (await ctx.api<{ items: Mapping[] }>('GET', '/api/mappings')).body.items

const openMappings = async (page: Page) => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mappings' }).click()
  await page.getByRole('heading', { level: 1, name: 'Mappings' }).waitFor()
  await page.locator('.mappings-table tbody tr').first().waitFor()
}
const suggestions = (page: Page) => page.getByRole('region', { name: 'Suggested mappings' })

t.test('a suspended mapping\'s switches read "Suspended (reason)", not a green On', async (t) => {
  const page = await tab(t)
  await openMappings(page)
  const row = page.locator('.mappings-table tbody tr', { hasText: 'Acme Dental Group' })
  const billing = row.getByRole('switch', { name: /Billing for Acme/ })
  await waitForText(billing, 'Suspended (GravityZone company not found)')
  t.equal(await billing.getAttribute('aria-checked'), 'true', 'the service is still configured on')
  t.match(await row.getByRole('switch', { name: /Ticketing for Acme/ }).textContent(), /^Suspended \(/)
  t.notMatch(await row.textContent(), /\bOn\b/)
})

t.test('a near match is accepted with one click, and only then is it mapped', async (t) => {
  const page = await tab(t)
  await openMappings(page)
  const region = suggestions(page)
  const harbour = region.locator('tr', { hasText: 'Harbor View Hotels' })
  await harbour.waitFor()
  t.match(await harbour.textContent(), /Harbor View Hotels.*Harbour View Hotel.*\d+ %/)
  t.notOk(
    (await mappings()).some((m) => m.halopsaClientName === 'Harbour View Hotel'),
    'nothing is mapped by itself'
  )
  t.match(
    await region.locator('tr', { hasText: 'Caldwell and Sons Plumbing Ltd.' }).textContent(),
    /Caldwell & Sons Plumbing.*Same name/,
    'legal suffixes, "&" and punctuation do not count'
  )

  await harbour.getByRole('button', { name: /Accept/ }).click()
  await waitForText(page.getByRole('status'), 'Mapped Harbor View Hotels to Harbour View Hotel.')
  await harbour.waitFor({ state: 'detached' })
  await page.locator('.mappings-table tbody tr', { hasText: 'Harbour View Hotel' }).waitFor()
  t.ok((await mappings()).some((m) => m.halopsaClientName === 'Harbour View Hotel'))
})

t.test('a read token sees the suggestions but no Accept or "Map all" button', async (t) => {
  const page = await tab(t, tokens.reader)
  await openMappings(page)
  await suggestions(page).locator('tr', { hasText: 'Zenith Recruitment' }).waitFor()
  t.equal(await page.getByRole('button', { name: /Accept|Map all/ }).count(), 0)
})

t.test('"Map all exact matches" maps every same-name pair, and the suggestions empty', async (t) => {
  const page = await tab(t)
  await openMappings(page)
  const before = (await mappings()).length
  const button = page.getByRole('button', { name: /^Map all exact matches \(\d+\)$/ })
  const exact = Number(/\((\d+)\)/.exec((await button.textContent()) ?? '')![1])
  t.ok(exact > 30, `${exact} exact matches offered`)
  await button.click()
  await waitForText(page.getByRole('status'), `Mapped ${exact} of ${exact} exact matches.`)
  t.equal((await mappings()).length, before + exact)
  await page.locator('.suggestions').waitFor({ state: 'hidden' })
})

t.test('no console error, page error or CSP violation happened in any page', async (t) => {
  t.same(browser.problems, [])
})
