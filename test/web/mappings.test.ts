import t from 'tap'
import type { Page } from 'playwright-core'
import { screenshot, waitForText } from './support/browser.js'
import { openDashboard } from './support/dashboard.js'
import { createMapping, customer } from './support/seed.js'

// Given a relay with a mapping, when an operator creates, edits and deletes mappings and changes
// the configuration in a real browser, then the API holds exactly what the forms said, and the
// API's refusals are shown beside the form that caused them.

const { ctx, browser, tab } = await openDashboard(t)
const acme = await createMapping(ctx, customer(0))

type Mapping = {
  id: string
  status: string
  billing: { enabled: boolean; items?: Record<string, number>; recurringInvoiceId?: number }
  ticketing: { enabled: boolean }
}
const mappingOf = async (companyId: string) =>
  (await ctx.api<{ items: (Mapping & { gravityzoneCompanyId: string })[] }>('GET', '/api/mappings')).body.items.find(
    (m) => m.gravityzoneCompanyId === companyId
  )

const openMappings = async (page: Page) => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mappings' }).click()
  await page.getByRole('heading', { level: 1, name: 'Mappings' }).waitFor()
  await page.locator('tbody tr').first().waitFor()
}

t.test(
  "a mapping is created through the form; a taken company and an unknown one are refused with the API's message",
  async (t) => {
    const page = await tab(t)
    await openMappings(page)
    const fenwick = customer(5)
    await page.getByRole('button', { name: 'New mapping' }).click()
    const form = page.getByRole('form', { name: 'New mapping' })
    await form.getByLabel('GravityZone company id').fill(acme.customer.companyId)
    await form.getByLabel('HaloPSA client id').fill(String(fenwick.clientId))
    await form.getByRole('button', { name: 'Create mapping' }).click()
    await waitForText(
      form.getByRole('alert'),
      `The mapping was not created: GravityZone company ${acme.customer.companyId} is already mapped.`
    )

    await form.getByLabel('GravityZone company id').fill('ffffffffffffffffffffffff')
    await form.getByRole('button', { name: 'Create mapping' }).click()
    await waitForText(
      form.getByRole('alert'),
      'The mapping was not created: GravityZone has no company ffffffffffffffffffffffff.'
    )

    await form.getByLabel('GravityZone company id').fill(fenwick.companyId)
    await form.getByLabel('Ticketing').uncheck()
    await form.getByRole('button', { name: 'Create mapping' }).click()
    await waitForText(page.getByRole('status'), 'Mapping Fenwick Architects created.')
    const row = page.locator('tbody tr', { hasText: 'Fenwick Architects' })
    await row.waitFor()
    t.match(
      await row.textContent(),
      new RegExp(`OK.*Fenwick Architects${fenwick.companyId}.*Fenwick Architects#${fenwick.clientId}`)
    )
    t.equal(await row.getByRole('switch', { name: /Billing for Fenwick/ }).getAttribute('aria-checked'), 'true')
    t.equal(await row.getByRole('switch', { name: /Ticketing for Fenwick/ }).getAttribute('aria-checked'), 'false')
    t.match(await mappingOf(fenwick.companyId), {
      status: 'ok',
      billing: { enabled: true },
      ticketing: { enabled: false }
    })
    t.equal(await page.getByRole('form', { name: 'New mapping' }).count(), 0, 'the form closes after creating')
    await screenshot(page, 'mappings')
  }
)

t.test("the list's switches turn a service on and off", async (t) => {
  const page = await tab(t)
  await openMappings(page)
  const toggle = page
    .locator('tbody tr', { hasText: 'Acme Dental Group' })
    .getByRole('switch', { name: /Ticketing for Acme/ })
  t.equal(await toggle.getAttribute('aria-checked'), 'true')
  await toggle.click()
  await waitForText(page.getByRole('status'), 'Ticketing switched off for Acme Dental Group.')
  await page
    .locator('tbody tr', { hasText: 'Acme Dental Group' })
    .getByRole('switch', { name: /Ticketing for Acme/ })
    .and(page.locator('[aria-checked="false"]'))
    .waitFor()
  t.match(await mappingOf(acme.customer.companyId), { ticketing: { enabled: false } })
})

t.test(
  'editing billing: a custom item mapping, its refusal, back to global, and Generate Recurring Invoice',
  async (t) => {
    const page = await tab(t)
    await openMappings(page)
    await page.locator('tbody tr', { hasText: 'Acme Dental Group' }).getByRole('link', { name: /Edit/ }).click()
    await page.getByRole('heading', { level: 1, name: 'Acme Dental Group' }).waitFor()
    const billing = page.getByRole('form', { name: 'Billing' })

    await billing.getByLabel('Custom for this mapping').check()
    await billing.getByRole('button', { name: 'Add item' }).click()
    await billing.getByLabel('Usage counter, row 1').fill('endpointMonthlyUsage')
    await billing.getByLabel('HaloPSA item id, row 1').fill('12')
    await billing.getByRole('button', { name: 'Add item' }).click()
    await billing.getByLabel('Usage counter, row 2').fill('mspSecurePlusMonthlyUsage')
    await billing.getByLabel('HaloPSA item id, row 2').fill('13')
    await billing.getByRole('button', { name: 'Save billing' }).click()
    await waitForText(billing.getByRole('alert'), /^Not saved: .*endpointMonthlyUsage.*mspSecurePlusMonthlyUsage.*\.$/)
    t.notOk((await mappingOf(acme.customer.companyId))?.billing.items, 'a refused change records nothing')

    await billing.getByRole('button', { name: 'Remove row 2' }).click()
    await billing.getByRole('button', { name: 'Save billing' }).click()
    await waitForText(billing.getByRole('status'), 'Saved: billing is on, with the custom item mapping.')
    t.same((await mappingOf(acme.customer.companyId))?.billing.items, { endpointMonthlyUsage: 12 })
    await screenshot(page, 'mapping-edit')

    await billing.getByLabel('Global (Configuration › Billing)').check()
    await billing.getByRole('button', { name: 'Save billing' }).click()
    await waitForText(billing.getByRole('status'), 'Saved: billing is on, with the global item mapping.')
    t.notOk((await mappingOf(acme.customer.companyId))?.billing.items, 'items: null went back to the global mapping')

    await page.getByRole('button', { name: 'Generate Recurring Invoice' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Generate' }).click()
    await waitForText(
      page.getByRole('status'),
      `Recurring invoice #-${5000 + acme.customer.clientId} generated in HaloPSA for Acme Dental Group.`
    )
    t.equal((await mappingOf(acme.customer.companyId))?.billing.recurringInvoiceId, -(5000 + acme.customer.clientId))
    await waitForText(page.getByRole('region', { name: 'Summary' }), `#-${5000 + acme.customer.clientId}`)

    const sides = page.getByRole('form', { name: 'Mapped to' })
    await sides.getByRole('button', { name: 'Save sides' }).click()
    await waitForText(sides.getByRole('status'), 'Nothing to save: both sides are unchanged.')
  }
)

t.test('a mapping is deleted after a confirmation, and its company can be mapped again', async (t) => {
  const cobalt = await createMapping(ctx, customer(2))
  const page = await tab(t)
  await openMappings(page)
  const row = page.locator('tbody tr', { hasText: 'Cobalt Logistics' })
  await row.getByRole('button', { name: /Delete/ }).click()
  const dialog = page.getByRole('dialog', { name: 'Delete this mapping?' })
  await dialog.waitFor()
  t.match(await dialog.textContent(), /Cobalt Logistics/)
  await dialog.getByRole('button', { name: 'Delete mapping' }).click()
  await waitForText(page.getByRole('status'), 'Mapping Cobalt Logistics deleted.')
  await row.waitFor({ state: 'detached' })
  t.equal((await ctx.api('GET', `/api/mappings/${cobalt.id}`)).status, 404)
  t.equal((await ctx.relay.store.readAll({ filter: { types: ['MappingDeleted'] } })).length, 1)
  t.equal(
    (await createMapping(ctx, customer(2))).customer.name,
    'Cobalt Logistics',
    'the company and client are mappable again'
  )
})

t.test(
  'configuration: the global item mapping and the ticketing settings are saved, and refusals are shown',
  async (t) => {
    const page = await tab(t)
    await page.getByRole('link', { name: 'Configuration' }).click()
    const billing = page.getByRole('form', { name: 'Billing' })
    await billing.getByRole('button', { name: 'Add item' }).click()
    await billing.getByLabel('Usage counter, row 1').fill('not a counter')
    await billing.getByLabel('HaloPSA item id, row 1').fill('12')
    await billing.getByRole('button', { name: 'Save billing' }).click()
    await waitForText(billing.getByRole('alert'), 'Not saved: body: /items/not a counter Invalid key in record.')
    await billing.getByLabel('Usage counter, row 1').fill('endpointMonthlyUsage')
    await billing.getByRole('button', { name: 'Add item' }).click()
    await billing.getByLabel('Usage counter, row 2').fill('edrMonthlyUsage')
    await billing.getByLabel('HaloPSA item id, row 2').fill('13')
    await billing.getByRole('button', { name: 'Save billing' }).click()
    await waitForText(billing.getByRole('status'), 'Saved: 2 usage counters mapped to HaloPSA items.')
    t.same((await ctx.api('GET', '/api/config/billing')).body, {
      items: { endpointMonthlyUsage: 12, edrMonthlyUsage: 13 }
    })

    const ticketing = page.getByRole('form', { name: 'Ticketing' })
    await waitForText(ticketing, 'Ticketing is not configured yet')
    await ticketing.getByLabel('Ticket type id').fill('')
    await ticketing.getByRole('button', { name: 'Save ticketing' }).click()
    await waitForText(ticketing.getByRole('alert'), 'The ticket type id must be a whole number above 0.')
    await ticketing.getByLabel('Ticket type id').fill('31')
    await ticketing.getByLabel(/Priority id/).fill('2')
    await ticketing.getByLabel('Auto-close tickets for blocked threats').check()
    for (const module of ['Antimalware av', 'HyperDetect hd', 'Ransomware Mitigation ransomware-mitigation'])
      await ticketing.getByRole('checkbox', { name: module, exact: true }).check()
    await ticketing.getByRole('button', { name: 'Save ticketing' }).click()
    await waitForText(ticketing.getByRole('status'), 'Saved: tickets for 3 modules, auto-close on.')
    t.same((await ctx.api('GET', '/api/config/ticketing')).body, {
      ticketTypeId: 31,
      priorityId: 2,
      closedStatusName: 'Closed',
      autoCloseBlocked: true,
      modules: ['av', 'hd', 'ransomware-mitigation'],
      configured: true
    })
    await screenshot(page, 'configuration')

    await page.reload()
    await page.getByRole('form', { name: 'Ticketing' }).getByLabel('Ticket type id').waitFor()
    t.equal(
      await page.getByRole('form', { name: 'Ticketing' }).getByLabel('Ticket type id').inputValue(),
      '31',
      'the saved settings load back'
    )
    t.ok(
      await page
        .getByRole('form', { name: 'Ticketing' })
        .getByRole('checkbox', { name: 'HyperDetect hd', exact: true })
        .isChecked()
    )
    t.equal(await page.getByRole('form', { name: 'Billing' }).getByLabel('HaloPSA item id, row 2').inputValue(), '13')
  }
)

t.test('no console error, page error or CSP violation happened in any page', async (t) => {
  t.same(browser.problems, [])
})
