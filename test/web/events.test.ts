import t from 'tap'
import type { Page } from 'playwright-core'
import { tokens } from '../support/app.js'
import { screenshot, waitForNavCount, waitForHash, waitForRows, waitForText } from './support/browser.js'
import { openDashboard } from './support/dashboard.js'
import { seedDemoEvents } from './support/demoEvents.js'
import { ticketCloseFailed } from './support/seed.js'

// Given a relay with every kind of event active, when an operator signs in and works the Events
// page in a real browser, then the counts, filters, pages and "Recheck events" match the API.

const { ctx, browser, tab } = await openDashboard(t)
const { mappings } = await seedDemoEvents(ctx)

type Counts = { active: number; byCategory: Record<'mapping' | 'billing' | 'ticketing' | 'connection', number> }
const counts = async () => (await ctx.api<Counts>('GET', '/api/events/count')).body
const rowTitles = (page: Page) => page.locator('tbody tr .event-title').allTextContents()
const storage = (page: Page) =>
  page.evaluate('({ session: Object.keys(sessionStorage), local: localStorage.length })') as Promise<{
    session: string[]
    local: number
  }>

t.test(
  "a wrong token is refused with the API's message; the right one signs in and is kept in sessionStorage only",
  async (t) => {
    const page = await tab(t, null)
    await page.goto(ctx.url)
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor()
    await page.getByLabel('API token').fill('not-a-token-of-this-relay')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await waitForText(page.getByRole('alert'), 'Not signed in: the bearer token is not valid.')
    t.same(await storage(page), { session: [], local: 0 }, 'a refused token is not kept')
    t.equal(await page.getByRole('navigation', { name: 'Main' }).count(), 0, 'no navigation before signing in')

    await page.getByLabel('API token').fill(tokens.operator)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.getByRole('heading', { level: 1, name: 'Events' }).waitFor()
    const c = await counts()
    await waitForNavCount(page, c.active)
    t.match(
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: /Events/ })
        .textContent(),
      new RegExp(`Events ${c.active}, ${c.active} active`)
    )
    t.same(await storage(page), { session: ['gz-halo-relay.token', 'gz-halo-relay.name'], local: 0 })
    t.same(await browser.context.cookies(), [], 'no cookie either')

    await page.reload()
    await waitForNavCount(page, c.active)
    t.pass('a reload of the tab stays signed in')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor()
    t.same(await storage(page), { session: [], local: 0 }, 'signing out forgets the token')

    // A token the relay stops accepting mid-session (rotated in API_TOKENS, say) signs the tab out.
    await page.evaluate(`sessionStorage.setItem('gz-halo-relay.token', 'a-token-no-longer-configured')`)
    await page.reload()
    await waitForText(page.getByRole('alert'), 'Signed out: the bearer token is not valid.')
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor()
    t.same(await storage(page), { session: [], local: 0 })
  }
)

t.test('the Events page shows counts per category and every active event with its subject', async (t) => {
  const page = await tab(t)
  const c = await counts()
  t.ok(
    c.byCategory.mapping > 0 && c.byCategory.billing > 0 && c.byCategory.ticketing > 0,
    'the seed raised events of every category'
  )
  const cards = page.getByRole('list', { name: 'Active events by category' })
  await waitForText(
    cards,
    new RegExp(
      `^${c.active}Active events${c.byCategory.mapping}Mapping${c.byCategory.billing}Billing${c.byCategory.ticketing}Ticketing${c.byCategory.connection}Connection$`
    )
  )
  await page
    .locator('tbody tr')
    .nth(c.active - 1)
    .waitFor()
  t.equal(await page.locator('tbody tr').count(), c.active)
  t.same(
    new Set(await rowTitles(page)),
    new Set([
      'GravityZone company not found',
      'HaloPSA client not found',
      'Company & client not found',
      'Recurring invoice missing',
      'HaloPSA item missing',
      'Ticketing creation issue',
      'Invalid ticketing configuration',
      'Ticketing closure failure'
    ])
  )
  const larkspur = page.locator('tbody tr', { hasText: 'Ticketing closure failure' })
  t.match(await larkspur.textContent(), /Larkspur Florists.*Ticket #1042.*Active/)
  t.match(await page.locator('tbody tr', { hasText: 'HaloPSA item missing' }).textContent(), /#14 \(global billing\)/)
  await page.locator('#live-state[data-status="live"]').waitFor()
  await screenshot(page, 'events-list')
})

t.test('filters by category, type and status keep the address and list only what matches', async (t) => {
  const page = await tab(t)
  const c = await counts()
  await page
    .locator('tbody tr')
    .nth(c.active - 1)
    .waitFor()

  await page.getByLabel('Category', { exact: true }).selectOption('billing')
  await waitForHash(page, '#/events?status=active&category=billing')
  await waitForRows(page, c.byCategory.billing)
  t.same([...new Set(await rowTitles(page))].sort(), ['HaloPSA item missing', 'Recurring invoice missing'])

  await page.getByLabel('Type', { exact: true }).selectOption('ticket-closure-failed')
  await waitForText(page.locator('tbody tr').first(), 'Ticketing closure failure')
  t.equal(
    await page.getByLabel('Category', { exact: true }).inputValue(),
    '',
    'a type of another category clears the category'
  )
  t.same(await rowTitles(page), ['Ticketing closure failure'])

  await page.getByLabel('Status', { exact: true }).selectOption('all')
  await page.locator('tbody tr').nth(1).waitFor()
  t.same(
    await rowTitles(page),
    ['Ticketing closure failure', 'Ticketing closure failure'],
    'the acknowledged one shows under "all"'
  )
  t.match(await page.locator('tbody tr').nth(0).textContent(), /Acme Dental Group.*#1017.*Closed/, 'newest first')

  await page.getByLabel('Status', { exact: true }).selectOption('closed')
  await waitForRows(page, 1)
  t.match(await page.locator('tbody tr').textContent(), /#1017/)

  await page.reload()
  await page.locator('tbody tr').first().waitFor()
  t.equal(await page.getByLabel('Status', { exact: true }).inputValue(), 'closed', 'the filters survive a reload')
  t.equal(await page.getByLabel('Type', { exact: true }).inputValue(), 'ticket-closure-failed')
})

t.test('"More events" pages through a long list with the API\'s cursor', async (t) => {
  const larkspur = mappings[11]!
  for (let ticket = 2000; ticket < 2025; ticket++) await ticketCloseFailed(ctx, larkspur, ticket)
  const page = await tab(t)
  const c = await counts()
  t.ok(c.active > 25, 'more events than one page')
  await page.locator('tbody tr').nth(24).waitFor()
  t.equal(await page.locator('tbody tr').count(), 25)
  await page.getByRole('button', { name: 'More events' }).click()
  await page
    .locator('tbody tr')
    .nth(c.active - 1)
    .waitFor()
  t.equal(await page.locator('tbody tr').count(), c.active)
  await page.getByRole('button', { name: 'More events' }).waitFor({ state: 'hidden' })
  const ids = (await page.evaluate(
    `[...document.querySelectorAll('tbody tr')].map((row) => row.dataset.eventId)`
  )) as string[]
  t.equal(new Set(ids).size, ids.length, 'no event twice')
})

t.test('"Recheck events" reports per event, and a fact arriving elsewhere updates the count', async (t) => {
  const page = await tab(t)
  const before = await counts()
  await waitForNavCount(page, before.active)
  const recheckable = (
    await ctx.api<{ items: { actions: string[] }[] }>('GET', '/api/events?limit=500')
  ).body.items.filter((e) => e.actions.includes('recheck')).length
  t.ok(recheckable >= 4, 'company, invoice (2), item and configuration events support recheck')

  await page.getByRole('button', { name: 'Recheck events' }).click()
  await waitForText(
    page.getByRole('status'),
    `Recheck events: ${recheckable} rechecked — 0 closed, 0 still active, ${recheckable} failed.`
  )
  const results = page.getByRole('list', { name: 'Recheck results' }).getByRole('listitem')
  t.equal(await results.count(), recheckable)
  t.match(
    await results.first().textContent(),
    /^Failed .+ — rechecks need the platform connections, which are not configured$/
  )
  t.equal(
    (await ctx.relay.store.readAll({ filter: { types: ['RecheckCompleted'] } })).length,
    recheckable,
    'one completed recheck per event'
  )

  // A ticket closure failure recorded by the relay while the page is open: the live tail brings the count.
  await page.locator('#live-state[data-status="live"]').waitFor()
  await ticketCloseFailed(ctx, mappings[11]!, 3001)
  await waitForNavCount(page, before.active + 1)
  await waitForText(page.getByRole('status'), 'Events changed since this list was loaded.')
  await page.getByRole('button', { name: 'Refresh list' }).click()
  await waitForText(page.locator('tbody tr').first(), '#3001')
})

t.test('on a narrow screen (390 px) every page fits the width and lists become cards', async (t) => {
  const page = await tab(t)
  await page.setViewportSize({ width: 390, height: 844 })
  const overflow = () =>
    page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth') as Promise<number>
  await page.locator('tbody tr').first().waitFor()
  t.equal(await overflow(), 0, 'events')
  t.equal(await page.locator('thead').first().isVisible(), false, 'the events list is cards, without a header row')
  await page
    .locator('tbody tr')
    .first()
    .getByRole('link', { name: /View event/ })
    .click()
  await page.locator('.fact').first().waitFor()
  t.equal(await overflow(), 0, 'event detail')
  for (const [hash, ready] of [
    ['#/mappings', 'tbody tr'],
    ['#/configuration', 'input[name=ticketTypeId]'],
    ['#/audit', 'tbody tr']
  ] as const) {
    await page.goto(`${ctx.url}/${hash}`)
    await page.locator(ready).first().waitFor()
    t.equal(await overflow(), 0, hash)
  }
  await screenshot(page, 'audit-narrow', { fullPage: false })
})

t.test('no console error, page error or CSP violation happened in any page', async (t) => {
  t.same(browser.problems, [])
})
