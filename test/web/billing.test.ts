import { readFile } from 'node:fs/promises'
import t from 'tap'
import { apiClient, startStack } from '../../demo/stack.js'
import { previousUsageMonth, usageMonth } from '../../src/platforms/gravityzone/usage.js'
import { demoCustomers } from '../../simulators/kit/demoSeed.js'
import { skipFileUnless } from '../support/requirements.js'
import { chromium, chromiumAvailable, launchBrowser, screenshot, waitForText } from './support/browser.js'

// Given the whole product with BILLING_APPROVAL=manual and a proposal waiting, when the operator
// opens Billing, then the preview and the reconciliation of the month stand side by side (stacked
// at 800 px), the reconciliation downloads as CSV, and approving the proposal (after a
// confirmation) writes it to HaloPSA; a read-only token's approval is refused and its button disabled.

skipFileUnless(t, chromiumAvailable, chromium)
const operateToken = 'o'.repeat(32)
const readToken = 'r'.repeat(32)
const stack = await startStack({
  env: { BILLING_APPROVAL: 'manual', API_TOKENS: `operator:operate:${operateToken},viewer:read:${readToken}` }
})
const browser = await launchBrowser({ width: 1280, height: 900 })
t.teardown(async () => {
  await browser.close()
  await stack.close()
})
const api = apiClient(stack.url, operateToken)
const acme = demoCustomers[0]!
const month = previousUsageMonth(usageMonth(Date.now()))
await api('PUT', '/api/config/billing', { items: { endpointMonthlyUsage: 12 } })
const mapping = (
  await api('POST', '/api/mappings', {
    gravityzoneCompanyId: acme.companyId,
    halopsaClientId: acme.clientId,
    billing: { enabled: true },
    ticketing: { enabled: false }
  })
).body
const proposal = (await api('POST', `/api/billing/run?month=${encodeURIComponent(month)}&wait=30`)).body
const invoiceLine = () =>
  (
    stack.halopsa.state.data().recurringInvoices.rows.get(mapping.billing.recurringInvoiceId)!.lines as {
      _itemid: number
      qty_order: number
    }[]
  ).find((l) => l._itemid === 12)!.qty_order

const open = async (token: string) => {
  const page = await browser.newPage()
  await page.addInitScript(`sessionStorage.setItem('gz-halo-relay.token', ${JSON.stringify(token)})`)
  await page.goto(`${stack.url}/#/billing?month=${encodeURIComponent(month)}`)
  await page.getByRole('heading', { level: 1, name: `Billing ${month}` }).waitFor()
  return page
}

t.test(
  'a read-only token sees the billing page without the Approve button, and the API refuses its approval',
  async (t) => {
    const page = await open(readToken)
    t.teardown(() => page.close())
    const proposals = page.getByRole('region', { name: 'Proposals', exact: true })
    await waitForText(proposals, 'lines to update on 1 invoices')
    t.ok(await proposals.getByRole('button', { name: 'Approve' }).isHidden(), 'Approve is not offered to a read token')
    const pending = (await apiClient(stack.url, readToken)('GET', '/api/billing/proposals')).body as {
      items: { proposalId: string }[]
    }
    const refused = await apiClient(stack.url, readToken)(
      'POST',
      `/api/billing/proposals/${encodeURIComponent(pending.items[0]!.proposalId)}/approve`
    )
    t.equal(refused.status, 403, 'the API refuses it too')
    t.equal(invoiceLine(), 0, 'nothing written')
  }
)

t.test('preview and reconciliation side by side, a CSV download, and approval after a confirmation', async (t) => {
  const page = await open(operateToken)
  t.teardown(() => page.close())
  const preview = page.getByRole('region', { name: 'Preview', exact: true })
  const reconciliation = page.getByRole('region', { name: 'Reconciliation', exact: true })
  await waitForText(preview.locator('tbody tr'), 'Acme Dental Group')
  await waitForText(preview.locator('tbody tr'), 'update')
  await waitForText(reconciliation.locator('tbody tr').filter({ hasText: 'Acme' }), 'Under-billed')
  const [left, right] = [await preview.boundingBox(), await reconciliation.boundingBox()]
  t.ok(left && right && right.x > left.x + left.width - 1 && Math.abs(right.y - left.y) < 2, 'side by side')
  await screenshot(page, 'billing')

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    reconciliation.getByRole('button', { name: 'Download CSV' }).click()
  ])
  t.match(download.suggestedFilename(), /^reconciliation-\d{4}-\d{2}\.csv$/)
  const csv = await readFile((await download.path())!, 'utf8')
  t.match(csv, /^month,customer,gravityzoneCompanyId,/)
  t.match(csv, new RegExp(`\\r\\n${month.replace('/', '\\/')},Acme Dental Group,${acme.companyId},${mapping.id},`))

  await page.setViewportSize({ width: 800, height: 900 })
  const [top, below] = [await preview.boundingBox(), await reconciliation.boundingBox()]
  t.ok(top && below && below.y >= top.y + top.height - 1, 'stacked at 800 px')
  t.ok(
    ((await page.evaluate('document.documentElement.scrollWidth')) as number) <= 800,
    'and the page does not scroll sideways'
  )
  await page.setViewportSize({ width: 1280, height: 900 })

  const proposals = page.getByRole('region', { name: 'Proposals', exact: true })
  await proposals.getByRole('button', { name: 'Approve' }).click()
  const dialog = page.getByRole('dialog')
  await waitForText(dialog, 'The relay writes 1 line quantities on 1 recurring invoices in HaloPSA.')
  await dialog.getByRole('button', { name: 'Cancel' }).click()
  t.equal(invoiceLine(), 0, 'cancelled: nothing written')

  await proposals.getByRole('button', { name: 'Approve' }).click()
  await dialog.getByRole('button', { name: 'Approve and write' }).click()
  await waitForText(proposals.getByRole('status'), 'Approved: 1 invoices billed, 0 unchanged, 0 failed.')
  t.ok(invoiceLine() > 0, 'the quantity is on the invoice')
  await waitForText(proposals, 'approved by operator')
  t.equal((await api('GET', '/api/billing/proposals')).body.items[0].proposalId, proposal.proposalId)
  t.same(browser.problems, [], 'no console error, page error or CSP violation')
})
