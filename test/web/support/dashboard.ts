import type { Page } from 'playwright-core'
import { tokens } from '../../support/app.js'
import { launchBrowser, signIn, type Browser } from './browser.js'
import { startDashboardRelay, type DashboardRelay } from './relay.js'

type Teardown = { teardown(fn: () => unknown): void }

export type Dashboard = {
  ctx: DashboardRelay
  browser: Browser
  /** A new tab, closed when `t` ends, signed in with `token` (null: not signed in). */
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
      if (token !== null) await signIn(page, ctx.url, token)
      return page
    }
  }
}
