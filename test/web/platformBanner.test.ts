import t from 'tap'
import { platformHealth } from '../../src/domain/platformHealth.js'
import { createCommandHandler } from '../../src/services/commandHandler.js'
import { createPlatformHealth } from '../../src/services/platformHealth.js'
import { waitForNavCount, waitForText } from './support/browser.js'
import { openDashboard } from './support/dashboard.js'

// Given an operator on the dashboard, when HaloPSA stops answering the relay's calls, then a banner
// names it on every page, and the Events page never says the platforms are in sync; when HaloPSA
// answers again, the banner goes.

const { ctx, browser, tab } = await openDashboard(t)
// The relay's platform health, fed the calls a HaloPSA outage makes (the browser relay has no clients).
const health = createPlatformHealth({ handler: createCommandHandler(ctx.relay.store, platformHealth) })
await health.start()
const call = (outcome: string, status?: number) => ({
  call: 'GET /api/Client',
  outcome,
  ...(status !== undefined ? { status } : {})
})

t.test('the banner appears while a platform is down and goes when it recovers', async (t) => {
  const page = await tab(t)
  const banner = page.getByRole('alert').filter({ hasText: 'unreachable' })
  await waitForNavCount(page, 0)
  await waitForText(page.locator('main'), 'No active events: GravityZone and HaloPSA are in sync.')
  t.equal(await banner.count(), 0, 'no banner while nothing is wrong')

  // When HaloPSA fails two calls in a row
  health.observe('halopsa', call('network'))
  health.observe('halopsa', call('timeout'))
  await health.flush()

  // Then the banner names it, live, and the page no longer claims the platforms are in sync
  await waitForText(banner, /HaloPSA is unreachable since .+: the relay cannot check it/)
  await waitForNavCount(page, 1)
  await page.getByText('GravityZone and HaloPSA are in sync').waitFor({ state: 'hidden' })
  await waitForText(page.locator('main tbody'), 'Platform unreachable')
  t.pass('the Events page lists the event instead of saying the platforms are in sync')
  await page.getByRole('link', { name: 'Mappings' }).click()
  await page.getByRole('heading', { level: 1, name: 'Mappings' }).waitFor()
  t.equal(await banner.count(), 1, 'the banner stays on every page')
  await banner.getByRole('link', { name: 'View the event' }).click()
  await page.getByRole('heading', { level: 1, name: 'Platform unreachable' }).waitFor()
  await waitForText(page.locator('main'), /Platform\s*HaloPSA/)

  // When HaloPSA answers again
  health.observe('halopsa', call('ok', 200))
  await health.flush()
  // Then the banner goes
  await banner.waitFor({ state: 'detached' })
  await waitForNavCount(page, 0)
  t.equal(await page.locator('#platform-banner').isHidden(), true)
  t.same(browser.problems, [], 'no console error, page error or CSP violation')
})
