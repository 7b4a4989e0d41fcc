import t from 'tap'
import { startStack } from '../../demo/stack.js'
import { apiClient } from '../../demo/stack.js'
import { demoCustomers } from '../../simulators/kit/demoSeed.js'
import { skipFileUnless } from '../support/requirements.js'
import { startReceiver } from '../support/receiver.js'
import { chromium, chromiumAvailable, launchBrowser, waitForText } from './support/browser.js'

// Given the whole product and a real browser: the Security events page shows what became of each
// event with its outcome; once the missing mapping exists, Replay counts the skipped event (a dry
// run), asks for confirmation, and the event is ticketed. The notification settings page saves a
// target and sends it a test message.

skipFileUnless(t, chromiumAvailable, chromium)
const stack = await startStack({ env: { NOTIFY_SECRET_KEY: 'notify-secret-key-for-the-browser-test-0123' } })
const browser = await launchBrowser()
t.teardown(async () => {
  await browser.close()
  await stack.close()
})
const api = apiClient(stack.url, stack.token)
const acme = demoCustomers.filter((c) => c.on === 'both')[0]!

const signedIn = async (hash: string) => {
  const page = await browser.newPage()
  await page.addInitScript(`sessionStorage.setItem('gz-halo-relay.token', ${JSON.stringify(stack.token)})`)
  await page.goto(`${stack.url}/${hash}`)
  return page
}

t.test('the Security events page shows outcomes and replays a skipped event after a dry-run count', async (t) => {
  await api('PUT', '/api/config/ticketing', {
    ticketTypeId: 3,
    closedStatusName: 'Closed',
    autoCloseBlocked: false,
    modules: ['av']
  })
  await stack.gravityzone.push.send([{ event: stack.gravityzone.generate('av', acme.companyId) }])
  await stack.settle()
  const page = await signedIn('#/security-events')
  t.teardown(() => page.close())
  await page.getByRole('heading', { level: 1, name: 'Security events' }).waitFor()
  const rows = page.locator('main tbody tr')
  await waitForText(rows.first(), /Skipped\s*unmapped/)
  t.equal(await page.locator('[data-outcome=skipped]').textContent(), '1')

  // Given the mapping now exists
  await api('POST', '/api/mappings', {
    gravityzoneCompanyId: acme.companyId,
    halopsaClientId: acme.clientId,
    ticketing: { enabled: true }
  })
  // When the operator asks for a replay, then a dry run counts first and asks for confirmation
  await page.getByRole('button', { name: 'Replay skipped and failed…' }).click()
  const dialog = page.getByRole('dialog')
  await waitForText(dialog, /1 skipped or failed security event match/)
  t.equal(stack.halopsa.state.data().tickets.rows.size, 0, 'nothing replayed before the confirmation')
  await dialog.getByRole('button', { name: 'Replay 1' }).click()
  await waitForText(page.getByRole('status').filter({ hasText: /^Replayed/ }), /^Replayed 1 security event\./)
  await stack.settle()
  // Then the event is ticketed, and the page shows it
  await waitForText(rows.first(), /Ticketed\s*ticket \d+ \(replayed 1×\)/, 10_000)
  t.equal(stack.halopsa.state.data().tickets.rows.size, 1)

  // Filters ride in the address
  await page.getByLabel('Outcome', { exact: true }).selectOption('skipped')
  await page.getByText('No security events match these filters.').waitFor()
  t.match(page.url(), /#\/security-events\?outcome=skipped/)
  t.same(browser.problems, [], 'no console error, page error or CSP violation')
})

t.test('the Notifications page saves a target and sends it a test message', async (t) => {
  const receiver = await startReceiver()
  t.teardown(() => receiver.close())
  const page = await signedIn('#/notifications')
  t.teardown(() => page.close())
  await page.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor()
  await page.getByLabel('Name').fill('soc')
  await page.getByLabel('URL').fill(`${receiver.url}/hook`)
  await page.getByLabel(/Signing secret/).fill('a-shared-secret-of-the-soc')
  await page.getByRole('button', { name: 'Save targets' }).click()
  await waitForText(page.getByRole('status').filter({ hasText: /^Saved/ }), 'Saved: 1 target.')
  t.equal(await page.getByLabel('URL').inputValue(), `${receiver.url}/********`, 'the URL comes back masked')
  await page.getByRole('button', { name: 'Send test' }).click()
  await waitForText(page.locator('tr[data-target=soc]'), /Delivered\s*HTTP 200/)
  t.equal(receiver.received.length, 1)
  t.match(receiver.received[0]!.headers['x-relay-signature'], /^t=\d+,v1=[0-9a-f]{64}$/)
  t.same(browser.problems, [], 'no console error, page error or CSP violation')
})
