import { copyFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import type { Page } from 'playwright-core'
import { screenshotDir, waitForNavCount } from './support/browser.js'
import { openDashboard } from './support/dashboard.js'
import { seedDemoDirectory } from './support/directory.js'
import { seedDemoEvents } from './support/demoEvents.js'

// Given the demo MSP with every kind of event, when each page is shown at 1280 and at 800 px, then
// nothing leaves the screen, the navigation stays on one line, and a picture of each page is
// written (test-output/screenshots/, and docs/screenshots/ with UPDATE_SCREENSHOTS=1: the README's
// picture is events-1280.png). The API's own page at /docs renders under the same policy.

const { ctx, browser, tab } = await openDashboard(t)
const { mappings } = await seedDemoEvents(ctx)
await seedDemoDirectory(ctx)
const count = (await ctx.api<{ active: number }>('GET', '/api/events/count')).body.active
const events = (await ctx.api<{ items: { id: string; type: string }[] }>('GET', '/api/events?limit=50')).body.items
const invoiceEvent = events.find((e) => e.type === 'recurring-invoice-missing')!.id
const docsDir = join(process.cwd(), 'docs', 'screenshots')
const update = process.env.UPDATE_SCREENSHOTS === '1'

const pages: { name: string; hash: string; ready: string }[] = [
  { name: 'events', hash: '#/events', ready: '.data tbody tr' },
  { name: 'event', hash: `#/events/${invoiceEvent}`, ready: '.cause' },
  { name: 'mappings', hash: '#/mappings', ready: '.suggestions-table tbody tr' },
  { name: 'mapping', hash: `#/mappings/${mappings[1]!.id}`, ready: '#view form' },
  { name: 'configuration', hash: '#/configuration', ready: 'input[name=ticketTypeId]' },
  { name: 'audit', hash: '#/audit', ready: '.audit-table tbody tr' }
]

const overflow = (page: Page) =>
  page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth') as Promise<number>
/** The distinct tops of the navigation's links: one when it is on one line. */
const navLines = async (page: Page) =>
  new Set(
    await Promise.all((await page.locator('#nav a').all()).map(async (a) => Math.round((await a.boundingBox())!.y)))
  ).size

const picture = async (page: Page, file: string) => {
  await mkdir(screenshotDir, { recursive: true })
  const out = join(screenshotDir, file)
  // Not mid-animation or mid-connection: the live indicator has settled, the pointer is out of the way.
  await page.locator('#live-state[data-status="live"]').waitFor()
  await page.mouse.move(0, 0)
  await page.screenshot({ path: out })
  if (update) {
    await mkdir(docsDir, { recursive: true })
    await copyFile(out, join(docsDir, file))
  }
}

for (const width of [1280, 800]) {
  t.test(
    `at ${width} px every page fits the width, the navigation is one line, and its picture is taken`,
    async (t) => {
      const page = await tab(t)
      await page.setViewportSize({ width, height: 800 })
      await waitForNavCount(page, count)
      for (const p of pages) {
        await page.goto(`${ctx.url}/${p.hash}`)
        await page.locator(p.ready).first().waitFor()
        t.equal(await overflow(page), 0, `${p.name}: no horizontal scroll`)
        t.equal(await navLines(page), 1, `${p.name}: the navigation does not wrap`)
        const dates = page.locator('main time').first()
        if ((await dates.count()) > 0) {
          const box = (await dates.boundingBox())!
          t.ok(box.height < 45, `${p.name}: a date takes at most two lines (${box.height}px)`)
        }
        await picture(page, `${p.name}-${width}.png`)
      }
    }
  )
}

t.test('at 390 px the Events page fits the width', async (t) => {
  const page = await tab(t)
  await page.setViewportSize({ width: 390, height: 844 })
  await page.locator('.data tbody tr').first().waitFor()
  t.equal(await overflow(page), 0)
  await picture(page, 'events-390.png')
})

t.test('the API documentation at /docs renders in the browser, its operations listed', async (t) => {
  const page = await browser.newPage()
  t.teardown(() => page.close())
  await page.goto(`${ctx.url}/docs`)
  // Swagger UI's bundle is large: on a busy machine it takes a while to parse and draw.
  await page
    .locator('.swagger-ui .opblock-summary-path', { hasText: '/api/platforms/halopsa/clients' })
    .first()
    .waitFor({ timeout: 60_000 })
  await page.locator('.swagger-ui .opblock-summary-path', { hasText: '/api/whoami' }).first().waitFor()
  t.equal(await overflow(page), 0)
})

t.test('no console error, page error or CSP violation happened in any page', async (t) => {
  t.same(browser.problems, [])
})
