import type { Page } from 'playwright-core'
import { tokens } from '../../support/app.js'
import { skipFileUnless } from '../../support/requirements.js'
import { chromium, chromiumAvailable, launchBrowser, type Browser } from './browser.js'
import { startDashboardRelay, type DashboardRelay } from './relay.js'

type Teardown = { teardown(fn: () => unknown): void }
type TestFile = Teardown & { plan(count: number, reason: string): void }

export type Dashboard = {
  ctx: DashboardRelay
  browser: Browser
  /**
   * A new tab, closed when `t` ends, on the Events page signed in with `token` (null: on the
   * sign-in page). The token is put where the sign-in form puts it (events.test.ts covers the form).
   */
  tab(t: Teardown, token?: string | null): Promise<Page>
}

/**
 * One browser and one relay for a test file, both closed when the file's tests end. Without
 * chromium the file is skipped (off CI) or fails (under CI) here, before anything starts.
 */
export const openDashboard = async (t: TestFile): Promise<Dashboard> => {
  skipFileUnless(t, chromiumAvailable, chromium)
  const browser = await launchBrowser()
  const ctx = await startDashboardRelay()
  t.teardown(async () => {
    await browser.close()
    await ctx.close()
  })
  return {
    ctx,
    browser,
    async tab(sub, token = tokens.operator) {
      const page = await browser.newPage()
      sub.teardown(() => page.close())
      if (token === null) {
        await page.goto(ctx.url)
        return page
      }
      await page.addInitScript(`sessionStorage.setItem('gz-halo-relay.token', ${JSON.stringify(token)})`)
      await page.goto(ctx.url)
      await page.getByRole('heading', { level: 1, name: 'Events' }).waitFor()
      return page
    }
  }
}
