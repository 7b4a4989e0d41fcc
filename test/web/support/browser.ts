import { accessSync, constants } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { chromium as playwright, type BrowserContext, type Locator, type Page } from 'playwright-core'
import { skipReason, type Requirement } from '../../support/requirements.js'
import { waitFor } from '../../support/storeFacts.js'

/**
 * Debian's chromium driven by playwright-core (never a downloaded browser; .ci/run installs it):
 * CHROMIUM_PATH, else `chromium` on PATH. A fresh profile per browser; the flags keep Chromium off
 * the network this machine does not have (it would otherwise try Google's hosts at every start).
 */

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

const onPath = (name: string) =>
  (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, name))
    .find(executable)

const fromEnv = process.env.CHROMIUM_PATH || undefined
export const chromiumPath = fromEnv ?? onPath('chromium')
export const chromiumAvailable = chromiumPath !== undefined && executable(chromiumPath)
export const chromium: Requirement = {
  tests: 'browser tests',
  missing: fromEnv ? `chromium not found at CHROMIUM_PATH=${fromEnv}` : 'chromium not found on PATH',
  how: 'apt-get install -y chromium on Debian, or set CHROMIUM_PATH to a Chromium binary',
  installedByCi: true
}
export const screenshotDir = join(process.cwd(), 'test-output', 'screenshots')

const args = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

export type Browser = {
  context: BrowserContext
  /** A new tab (its own sessionStorage, so its own sign-in); console errors and page errors are collected. */
  newPage(): Promise<Page>
  /** Console errors, uncaught exceptions and CSP violations seen on any page so far. */
  problems: string[]
  close(): Promise<void>
}

export const launchBrowser = async (viewport = { width: 1280, height: 800 }): Promise<Browser> => {
  if (!chromiumAvailable || !chromiumPath)
    throw new Error(`the browser needs Debian's chromium: ${skipReason(chromium)}`)
  const profile = await mkdtemp(join(tmpdir(), 'relay-chromium-'))
  const context = await playwright.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args,
    viewport,
    timeout: 30_000
  })
  context.setDefaultTimeout(10_000)
  const problems: string[] = []
  const watch = (page: Page) => {
    page.on('console', (message) => {
      // Chromium logs every 4xx fetch; those are the API's answers the tests provoke (401, 403, 409, 422).
      if (
        message.type() === 'error' &&
        !/^Failed to load resource: the server responded with a status of 4\d\d/.test(message.text())
      )
        problems.push(`console: ${message.text()}`)
    })
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  }
  for (const page of context.pages()) await page.close()
  return {
    context,
    problems,
    async newPage() {
      const page = await context.newPage()
      watch(page)
      return page
    },
    async close() {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    }
  }
}

/** Waits until the locator's first match shows text matching `text`. */
export const waitForText = (locator: Locator, text: string | RegExp, timeout = 10_000) =>
  locator.filter({ hasText: text }).first().waitFor({ timeout })

/**
 * Waits until the page's table body has exactly `count` rows (a list that shrank, say). Locators,
 * not waitForFunction: the dashboard's CSP forbids eval, which waitForFunction's polling needs.
 */
export const waitForRows = async (page: Page, count: number) => {
  const rows = page.locator('main tbody tr')
  if (count > 0) await rows.nth(count - 1).waitFor()
  await rows.nth(count).waitFor({ state: 'detached' })
}

/** Waits until the address ends with `hash`. */
export const waitForHash = (page: Page, hash: string) =>
  waitFor(() => new URL(page.url()).hash === hash, { what: `the address to end with ${hash}` })

/** Signs in on a fresh tab and waits for the Events page. */
export const signIn = async (page: Page, url: string, token: string) => {
  await page.goto(url)
  await page.getByLabel('API token').fill(token)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('heading', { level: 1, name: 'Events' }).waitFor()
}

/** The number in the navigation's Events link, once it equals `expected`. */
export const waitForNavCount = (page: Page, expected: number) =>
  waitForText(page.locator('#nav-active-count'), new RegExp(`^${expected}$`))

export const screenshot = async (page: Page, name: string, { fullPage = true } = {}) => {
  await mkdir(screenshotDir, { recursive: true })
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage })
}
