/**
 * Makes docs/screenshots/events.png, the README's picture of the Events page (1280×800), from a
 * relay seeded with the demo MSP and every kind of event.
 *
 *   npx tsx test/web/readmeScreenshot.ts            # writes the image
 *   npx tsx test/web/readmeScreenshot.ts --serve    # also keeps the relay up to look around (Ctrl-C stops)
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { readCommandLine } from '../../simulators/kit/cli.js'
import { tokens } from '../support/app.js'
import { launchBrowser, signIn, waitForNavCount } from './support/browser.js'
import { seedDemoEvents } from './support/demoEvents.js'
import { startDashboardRelay } from './support/relay.js'

const options = readCommandLine(
  `usage: npx tsx test/web/readmeScreenshot.ts [--serve]

Writes docs/screenshots/events.png (1280×800), the Events page of a relay seeded with the demo MSP
and every kind of event, in Debian's chromium (CHROMIUM_PATH, else chromium on PATH).

  --serve      keep the relay up afterwards to look around (Ctrl-C stops it)
  -h, --help   this text`,
  { serve: { type: 'boolean', default: false } }
)

const ctx = await startDashboardRelay()
const browser = await launchBrowser({ width: 1280, height: 800 })
try {
  await seedDemoEvents(ctx)
  const count = (await ctx.api<{ active: number }>('GET', '/api/events/count')).body.active
  const page = await browser.newPage()
  await signIn(page, ctx.url, tokens.operator)
  await waitForNavCount(page, count)
  await page
    .locator('tbody tr')
    .nth(count - 1)
    .waitFor()
  // The live indicator settles first, so the picture does not catch it mid-connection.
  await page.locator('#live-state[data-status="live"]').waitFor()
  const out = join(process.cwd(), 'docs', 'screenshots', 'events.png')
  await mkdir(join(process.cwd(), 'docs', 'screenshots'), { recursive: true })
  await page.mouse.move(0, 799)
  await page.screenshot({ path: out })
  console.log(`wrote ${out} (${count} active events)`)
  if (browser.problems.length > 0) console.error(`browser problems:\n${browser.problems.join('\n')}`)
  if (options.serve) {
    console.log(`dashboard: ${ctx.url}  token: ${tokens.operator}  (read-only: ${tokens.reader})`)
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()))
  }
} finally {
  await browser.close()
  await ctx.close()
}
