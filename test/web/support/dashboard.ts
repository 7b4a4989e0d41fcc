import type { Page } from 'playwright-core'
import { tokens } from '../../support/app.js'
import { launchBrowser, type Browser } from './browser.js'
import { startDashboardRelay, type DashboardRelay } from './relay.js'

type Teardown = { teardown(fn: () => unknown): void }

export type Dashboard = {
  ctx: DashboardRelay
  browser: Browser
  /**
   * A new tab, closed when `t` ends, on the Events page signed in with `token` (null: on the
   * sign-in page). The token is put where the sign-in form puts it (events.test.ts covers the form).
   */
  tab(t: Teardown, token?: string | null): Promise<Page>
}

/** One browser and one relay for a test file, both closed when the file's tests end. */
export const openDashboard = async (t: Teardown): Promise<Dashboard> => {
  // The browser first: without chromium the file fails at once, with nothing left running.
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
