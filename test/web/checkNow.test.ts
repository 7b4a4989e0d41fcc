import t from 'tap'
import { startStack } from '../../demo/stack.js'
import { skipFileUnless } from '../support/requirements.js'
import { chromium, chromiumAvailable, launchBrowser, waitForText } from './support/browser.js'

// Given the whole product (both simulators, the relay, the dashboard in a real browser), when the
// operator clicks Check now while HaloPSA is down, then the page says the checks did not finish and
// the banner names HaloPSA; once HaloPSA is back, Check now succeeds and the banner goes.

skipFileUnless(t, chromiumAvailable, chromium)
const stack = await startStack({
  upstream: { timeoutMs: 3_000, retry: { retries: 1, minDelayMs: 20, maxDelayMs: 100 } }
})
const browser = await launchBrowser()
t.teardown(async () => {
  await browser.close()
  await stack.close()
})

t.test('Check now runs the checks; with HaloPSA down it says so, and the banner follows the outage', async (t) => {
  const page = await browser.newPage()
  t.teardown(() => page.close())
  await page.addInitScript(`sessionStorage.setItem('gz-halo-relay.token', ${JSON.stringify(stack.token)})`)
  await page.goto(stack.url)
  await page.getByRole('heading', { level: 1, name: 'Events' }).waitFor()
  const checkNow = page.getByRole('button', { name: 'Check now' })
  const outcome = page.getByRole('status').filter({ hasText: /^(Checks done|The checks)/ })
  const banner = page.locator('#platform-banner')

  await checkNow.click()
  await waitForText(outcome, /^Checks done: \d+ changes recorded\.$/)
  t.ok(await banner.isHidden(), 'no banner while both platforms answer')

  await stack.halopsa.stop()
  await checkNow.click()
  await waitForText(outcome, /^The checks did not finish: HaloPSA clients: halopsa GET \/api\/Client failed/)
  await waitForText(banner, /HaloPSA is unreachable since/)
  await waitForText(page.locator('main tbody'), 'Platform unreachable')

  await stack.halopsa.resume()
  await checkNow.click()
  await waitForText(outcome, /^Checks done/)
  await banner.waitFor({ state: 'hidden' })
  t.same(browser.problems, [], 'no console error, page error or CSP violation')
})
