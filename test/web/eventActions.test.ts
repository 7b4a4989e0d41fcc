import t from 'tap'
import type { Page } from 'playwright-core'
import { tokens } from '../support/app.js'
import { screenshot, waitForNavCount, waitForText } from './support/browser.js'
import { openDashboard } from './support/dashboard.js'
import { clientGone, companyGone, createMapping, customer, invoiceGone, ticketCreateFailed } from './support/seed.js'

// Given a relay with one event of each action kind, when an operator opens and handles them in a
// real browser, then the page shows what the API did and the navigation's count follows.

const { ctx, browser, tab } = await openDashboard(t)

const acme = await createMapping(ctx, customer(0))
const birchwood = await createMapping(ctx, customer(1))
const cobalt = await createMapping(ctx, customer(2))
const dunmore = await createMapping(ctx, customer(3))
const recheckEvent = await companyGone(ctx, acme)
const resolveEvent = await clientGone(ctx, birchwood)
const okEvent = await ticketCreateFailed(ctx, cobalt)
await invoiceGone(ctx, dunmore)

const activeCount = async () => (await ctx.api<{ active: number }>('GET', '/api/events/count')).body.active
const factTypes = (page: Page) => page.locator('.fact-type').allTextContents()

const openEvent = async (page: Page, title: string) => {
  await page
    .locator('tbody tr', { hasText: title })
    .getByRole('link', { name: /View event/ })
    .click()
  await page.getByRole('heading', { level: 1, name: title }).waitFor()
}

t.test(
  'View event shows the description, recommended action, subject and facts; Recheck keeps the event active and shows the recheck facts',
  async (t) => {
    const page = await tab(t)
    const before = await activeCount()
    await waitForNavCount(page, before)

    await openEvent(page, 'GravityZone company not found')
    t.match(page.url(), new RegExp(`#/events/${recheckEvent}$`))
    t.match(
      await page.locator('.description').textContent(),
      /The company "Acme Dental Group" cannot be found in GravityZone\..*Click Recheck/
    )
    t.match(
      await page.locator('.callout').textContent(),
      /Recommended action.*select another available GravityZone company/
    )
    t.match(await page.getByRole('region', { name: 'Subject' }).textContent(), /Acme Dental Group.*#101/)
    t.same(await factTypes(page), ['CompanyNotFound'])
    t.equal(await page.locator('.event-actions button').count(), 1, 'company-not-found supports exactly one action')
    await page.getByRole('button', { name: 'Recheck', exact: true }).waitFor()
    await page.locator('details.json summary', { hasText: 'Data' }).first().click()
    await waitForText(page.locator('details.json[open] pre'), /"gravityzoneCompanyId": "/)
    await screenshot(page, 'event-detail')

    await page.getByRole('button', { name: 'Recheck', exact: true }).click()
    await waitForText(
      page.getByRole('status'),
      /Recheck could not run: the event stays active\. rechecks need the platform connections/
    )
    t.same(await factTypes(page), ['CompanyNotFound', 'RecheckRequested', 'RecheckCompleted'])
    t.match(await page.locator('.event-badges').textContent(), /Active/)
    await waitForNavCount(page, before)
    t.equal(await activeCount(), before, 'a recheck that cannot run leaves the event active')
  }
)

t.test('Resolve asks for confirmation, closes the event, deletes the mapping and lowers the count', async (t) => {
  const page = await tab(t)
  const before = await activeCount()
  await waitForNavCount(page, before)
  await openEvent(page, 'HaloPSA client not found')
  t.match(page.url(), new RegExp(`#/events/${resolveEvent}$`))
  t.equal(await page.locator('.event-actions button').count(), 1)

  await page.getByRole('button', { name: 'Resolve', exact: true }).click()
  const dialog = page.getByRole('dialog', { name: 'Resolve this event?' })
  await dialog.waitFor()
  t.match(await dialog.textContent(), /deletes the mapping of Birchwood Legal LLP/)
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  await dialog.waitFor({ state: 'detached' })
  t.equal((await ctx.api('GET', `/api/mappings/${birchwood.id}`)).status, 200, 'cancelling changes nothing')

  await page.getByRole('button', { name: 'Resolve', exact: true }).click()
  await dialog.getByRole('button', { name: 'Resolve and delete the mapping' }).click()
  await waitForText(page.getByRole('status'), /Resolved: the mapping was deleted/)
  await waitForNavCount(page, before - 1)
  t.match(await page.locator('.event-badges').textContent(), /Closed/)
  t.match(
    await page.getByRole('region', { name: 'Status' }).textContent(),
    /ClosureClosed by alice: Resolve \(the mapping was deleted\)/
  )
  t.same(await factTypes(page), ['ClientDeleted', 'MappingDeleted'])
  t.equal(await page.locator('.event-actions button').count(), 0, 'a closed event offers no action')
  t.equal((await ctx.api('GET', `/api/mappings/${birchwood.id}`)).status, 404)

  await page.getByRole('link', { name: 'Mappings' }).click()
  await page.locator('tbody tr').first().waitFor()
  t.equal(
    await page.locator('tbody tr', { hasText: 'Birchwood Legal LLP' }).count(),
    0,
    'the mapping is gone from the list'
  )
  t.equal(await page.locator('tbody tr', { hasText: 'Acme Dental Group' }).count(), 1)
})

t.test('OK acknowledges a ticket creation issue and lowers the count', async (t) => {
  const page = await tab(t)
  const before = await activeCount()
  await waitForNavCount(page, before)
  await openEvent(page, 'Ticketing creation issue')
  t.match(page.url(), new RegExp(`#/events/${okEvent}$`))
  t.match(
    await page.locator('.description').textContent(),
    /Ticket creation for the HaloPSA client "Cobalt Logistics" has failed/
  )
  await page.getByRole('button', { name: 'OK', exact: true }).click()
  await waitForText(page.getByRole('status'), /Acknowledged: the event is closed\./)
  await waitForNavCount(page, before - 1)
  t.same(await factTypes(page), ['TicketCreateFailed', 'EventAcknowledged'])
  t.match(await page.getByRole('region', { name: 'Status' }).textContent(), /Closed by alice: OK/)

  await page.getByRole('link', { name: /All events/ }).click()
  await page.getByRole('heading', { level: 1, name: 'Events' }).waitFor()
  await page.locator('tbody tr').first().waitFor()
  t.equal(
    await page.locator('tbody tr', { hasText: 'Ticketing creation issue' }).count(),
    0,
    'the active list no longer has it'
  )
})

t.test("an action refused with 409 shows the API's message and the event as it now is", async (t) => {
  const eventId = await ticketCreateFailed(ctx, cobalt)
  const page = await tab(t)
  await page.goto(`${ctx.url}/#/events/${eventId}`)
  await page.getByRole('button', { name: 'OK', exact: true }).waitFor()
  // Someone else handles it first.
  t.equal((await ctx.api('POST', `/api/events/${eventId}/acknowledge`)).status, 200)
  await page.getByRole('button', { name: 'OK', exact: true }).click()
  await waitForText(page.getByRole('alert'), new RegExp(`^OK was refused: event ${eventId} is closed\\.$`))
  await waitForText(page.locator('.event-badges'), 'Closed')
  t.equal(await page.locator('.event-actions button').count(), 0)
})

t.test('a read-scope token sees events without the actions it cannot take (its scope from /api/whoami)', async (t) => {
  const page = await tab(t, tokens.reader)
  await waitForNavCount(page, await activeCount())
  await waitForText(page.locator('#read-only-banner'), 'read scope')
  await waitForText(page.locator('#session-name'), 'grafana')
  await page.getByRole('button', { name: 'Recheck events' }).waitFor({ state: 'hidden' })
  await openEvent(page, 'Recurring invoice missing')
  await page.locator('.callout').waitFor()
  t.equal(await page.getByRole('button', { name: /Recheck|Generate recurring invoice/ }).count(), 0)
  t.equal(
    (await ctx.api('POST', `/api/events/${recheckEvent}/recheck`, undefined, tokens.reader)).status,
    403,
    'the API refuses it anyway'
  )
})

t.test(
  'keyboard only: a new page focuses its heading, Tab reaches the action with a visible focus ring, Enter runs it',
  async (t) => {
    const eventId = await ticketCreateFailed(ctx, dunmore)
    const page = await tab(t)
    const focused = () =>
      page.evaluate(
        '({ tag: document.activeElement.tagName, text: document.activeElement.textContent, outline: getComputedStyle(document.activeElement).outlineStyle })'
      ) as Promise<{ tag: string; text: string; outline: string }>
    t.match(await focused(), { tag: 'H1', text: 'Events' }, 'the Events heading has focus after signing in')
    const view = page.locator(`tbody tr[data-event-id="${eventId}"]`).getByRole('link', { name: /View event/ })
    await view.focus()
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { level: 1, name: 'Ticketing creation issue' }).waitFor()
    t.match(
      await focused(),
      { tag: 'H1', text: 'Ticketing creation issue' },
      "the event's heading has focus, so a screen reader announces it"
    )
    await page.keyboard.press('Tab')
    t.match(
      await focused(),
      { tag: 'BUTTON', text: 'OK', outline: 'solid' },
      'the next stop is the action, with a focus ring'
    )
    await page.keyboard.press('Enter')
    await waitForText(page.getByRole('status'), 'Acknowledged: the event is closed.')
    t.match(
      await focused(),
      { text: 'Acknowledged: the event is closed.' },
      'focus moves to the result, since the button is gone'
    )
  }
)

t.test('no console error, page error or CSP violation happened in any page', async (t) => {
  t.same(browser.problems, [])
})
