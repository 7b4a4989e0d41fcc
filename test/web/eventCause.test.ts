import t from 'tap'
import type { Page } from 'playwright-core'
import { waitForText } from './support/browser.js'
import { openDashboard } from './support/dashboard.js'
import { createMapping, customer, invoiceGone, threatTicketFailed, ticketingRefused } from './support/seed.js'

// Given events whose facts tell why (HaloPSA's answer to a ticket, the threat behind it, a missing
// invoice, a refused configuration), when a person opens them, then the page says the cause in
// words before the raw facts, and the recommended action is a button or a link right there.

const { ctx, browser, tab } = await openDashboard(t)
const larkspur = await createMapping(ctx, customer(11))
const dunmore = await createMapping(ctx, customer(3), { billing: true })
const greystone = await createMapping(ctx, customer(6))
const ticketEvent = await threatTicketFailed(ctx, larkspur)
const invoiceEvent = await invoiceGone(ctx, dunmore)
const configEvent = await ticketingRefused(ctx, greystone)

const open = async (page: Page, id: string) => {
  await page.goto(`${ctx.url}/#/events/${id}`)
  await page.locator('.description').waitFor()
}

t.test("the list shows each event type's one-line description", async (t) => {
  const page = await tab(t)
  const row = page.locator('tbody tr', { hasText: 'Ticketing creation issue' })
  await waitForText(row, 'The Ticketing Service is not able to create tickets in HaloPSA.')
  t.pass()
})

t.test("a ticket failure shows HaloPSA's answer and the threat it was for, before the raw facts", async (t) => {
  const page = await tab(t)
  await open(page, ticketEvent)
  const cause = page.locator('.cause')
  await waitForText(cause, 'Trojan.Agent')
  const text = (await cause.textContent()) ?? ''
  t.match(text, /HaloPSA's answerHaloPSA answered 503 Service Unavailable \(HTTP 503\)/)
  t.match(text, /What happenedHaloPSA kept failing after the retries/)
  t.match(text, /ModuleAntimalware/)
  t.match(text, /EndpointWS-11/)
  t.match(text, /Attempts5/)
  const [causeBox, factsBox] = await Promise.all([
    cause.boundingBox(),
    page.getByRole('region', { name: /Facts behind this event/ }).boundingBox()
  ])
  t.ok(causeBox!.y < factsBox!.y, 'the cause comes before the raw facts')
})

t.test('a missing invoice has its Generate button beside it, and the event closes in words', async (t) => {
  const page = await tab(t)
  await open(page, invoiceEvent)
  t.match(await page.locator('.cause').textContent(), /Recurring invoice#-4104 is no longer in HaloPSA/)
  const callout = page.locator('.callout')
  await callout.getByRole('link', { name: 'Open the mapping' }).waitFor()
  await callout.getByRole('button', { name: 'Generate recurring invoice' }).click()
  await waitForText(page.getByRole('status'), /^Recurring invoice #-5104 generated in HaloPSA\.$/)
  await waitForText(page.locator('.event-badges'), 'Closed')
  t.match(
    await page.getByRole('region', { name: 'Status' }).textContent(),
    /ClosureClosed by alice: the recurring invoice was generated/
  )
  t.equal(await page.getByRole('button', { name: 'Generate recurring invoice' }).count(), 0)
})

t.test('a refused configuration names the setting, and its link opens the Configuration page', async (t) => {
  const page = await tab(t)
  await open(page, configEvent)
  t.match(await page.locator('.cause').textContent(), /Setting ticketTypeIdHaloPSA has no ticket type 31/)
  await page.getByRole('link', { name: 'Edit ticketing configuration' }).click()
  await page.getByRole('heading', { level: 1, name: 'Configuration' }).waitFor()
  t.pass()
})

t.test("the mapping filter's chip names the customer, not the mapping's id", async (t) => {
  const page = await tab(t)
  await page.goto(`${ctx.url}/#/events?mappingId=${larkspur.id}`)
  await waitForText(page.locator('.filter-chip'), 'Mapping Larkspur Florists')
  t.notMatch(await page.locator('.filter-chip').textContent(), larkspur.id)
})

t.test('no console error, page error or CSP violation happened in any page', async (t) => {
  t.same(browser.problems, [])
})
