import t from 'tap'
import type { Page } from 'playwright-core'
import { newId } from '../../src/domain/ids.js'
import { streams } from '../../src/domain/streams.js'
import { screenshot, waitForText } from './support/browser.js'
import { openDashboard } from './support/dashboard.js'
import { createMapping, customer } from './support/seed.js'

// Given a relay with more facts than one page, when an operator opens the Audit page, then the
// newest facts come first, older ones page in below, and facts recorded while the page is open
// arrive at the top — also after the live connection drops.

const { ctx, browser, tab } = await openDashboard(t)

await createMapping(ctx, customer(0))
await createMapping(ctx, customer(1))
// What GravityZone pushes besides security events (agent installs, task status): kept for the audit.
for (let i = 0; i < 120; i++) {
  await ctx.relay.store.append(
    `gzDelivery-web${i}`,
    [
      {
        id: newId(),
        type: 'PlatformEventReceived',
        data: {
          deliveryId: `web${i}`,
          index: 0,
          module: 'task-status',
          companyId: customer(0).companyId,
          isTest: false,
          event: { module: 'task-status', status: 3 }
        },
        metadata: {
          correlationId: `web${i}`,
          causationId: `web${i}`,
          actor: 'gravityzone',
          recordedAt: new Date().toISOString()
        }
      }
    ],
    { expectedRevision: 'no_stream' }
  )
}

const positions = (page: Page) =>
  page.evaluate(`[...document.querySelectorAll('main tbody tr')].map((row) => row.dataset.position)`) as Promise<
    string[]
  >
const types = (page: Page) => page.locator('main tbody .fact-type').allTextContents()

const openAudit = async (page: Page, hash = '#/audit') => {
  await page.goto(`${ctx.url}/${hash}`)
  await page.getByRole('heading', { level: 1, name: 'Audit' }).waitFor()
  await page.locator('main tbody tr').first().waitFor()
  await page.locator('.live-line[data-status="live"]').waitFor()
}

t.test('the newest facts come first, and "Older facts" continues below them', async (t) => {
  const page = await tab(t)
  // Every fact, system facts included, so the positions run without gaps.
  await openAudit(page, '#/audit?system=shown')
  const head = await ctx.relay.store.headPosition()
  const first = await positions(page)
  t.equal(first.length, 50)
  t.equal(first[0], head.toString(), 'the head of the store is on top')
  t.same(
    first,
    Array.from({ length: 50 }, (_, i) => (head - BigInt(i)).toString()),
    'newest first, none skipped'
  )
  await page.getByRole('button', { name: 'Older facts' }).click()
  await page.locator('main tbody tr').nth(99).waitFor()
  t.same(
    await positions(page),
    Array.from({ length: 100 }, (_, i) => (head - BigInt(i)).toString())
  )
  await page.locator('main tbody tr').first().getByRole('button', { name: /JSON/ }).click()
  const dialog = page.getByRole('dialog')
  await waitForText(dialog.locator('details[open] pre'), /"module": "task-status"/)
  await dialog.getByRole('button', { name: 'Close' }).click()
  await dialog.waitFor({ state: 'detached' })
  await screenshot(page, 'audit', { fullPage: false })
})

t.test('a fact recorded through the API while the page is open arrives at the top', async (t) => {
  const page = await tab(t)
  await openAudit(page)
  t.equal((await ctx.api('PUT', '/api/config/billing', { items: { endpointMonthlyUsage: 12 } })).status, 200)
  const top = page.locator('main tbody tr').first()
  await waitForText(top, 'BillingConfigured')
  t.match(await top.textContent(), /Global billing: 1 usage counter mappedBillingConfiguredbillingConfig-mainalice/)
  t.equal(await top.getAttribute('data-position'), (await ctx.relay.store.headPosition()).toString())
  await waitForText(page.getByRole('status'), '1 new fact since this page opened.')
})

t.test('filters by type and by stream apply to the history and to the live tail', async (t) => {
  const page = await tab(t)
  await openAudit(page)
  await page.getByLabel('Type', { exact: true }).fill('MappingCreated')
  await page.getByRole('button', { name: 'Apply' }).click()
  await page.locator('.live-line[data-status="live"]').waitFor()
  await page.locator('main tbody tr').nth(1).waitFor()
  await page.locator('main tbody tr').nth(2).waitFor({ state: 'detached' })
  t.same(await types(page), ['MappingCreated', 'MappingCreated'])
  t.equal(new URL(page.url()).hash, '#/audit?type=MappingCreated')

  await ctx.api('PUT', '/api/config/ticketing', {
    ticketTypeId: 31,
    closedStatusName: 'Closed',
    autoCloseBlocked: false,
    modules: ['av']
  })
  await createMapping(ctx, customer(2))
  await page.locator('main tbody tr').nth(2).waitFor()
  t.same(
    await types(page),
    ['MappingCreated', 'MappingCreated', 'MappingCreated'],
    'the live fact of another type is not shown'
  )
  t.match(await page.locator('main tbody tr').first().textContent(), /Cobalt Logistics/)

  await page.getByRole('link', { name: 'Clear' }).click()
  await page.getByLabel('Stream', { exact: true }).fill('ticketingConfig')
  await page.getByRole('button', { name: 'Apply' }).click()
  await waitForText(page.locator('main tbody tr').first(), 'TicketingConfigured')
  await page.locator('main tbody tr').nth(1).waitFor({ state: 'detached' })
  t.equal(await page.getByLabel('Type', { exact: true }).inputValue(), '')
})

t.test('after the live connection drops, it reconnects with Last-Event-ID and misses nothing', async (t) => {
  const page = await tab(t)
  await openAudit(page)
  const resumes: string[] = []
  page.on('request', (request) => {
    const id = request.headers()['last-event-id']
    if (request.url().endsWith('/api/audit/live') && id) resumes.push(id)
  })
  // A fact the page sees live, so the tail has a position to resume from. Waited for by its
  // customer's name: the previous test's MappingCreated is already at the top of the history.
  const live = customer(3)
  await createMapping(ctx, live)
  await waitForText(page.locator('main tbody tr').first(), live.name)
  const seen = await page.locator('main tbody tr').first().getAttribute('data-position')

  ctx.app.server.closeAllConnections()
  // Recorded straight through the relay: the drop also closed this process's own pooled connections.
  const elmstead = customer(4)
  await ctx.relay.mappings.create(
    {
      gravityzoneCompanyId: elmstead.companyId,
      halopsaClientId: elmstead.clientId,
      billing: { enabled: false },
      ticketing: { enabled: false }
    },
    { actor: 'alice', correlationId: 'web-test' }
  )
  await waitForText(page.locator('main tbody tr').first(), 'Elmstead Primary School')
  t.same(resumes.slice(0, 1), [seen], 'the reconnection resumed after the last fact received')
  await page.locator('.live-line[data-status="live"]').waitFor()
  const shown = await positions(page)
  t.equal(new Set(shown).size, shown.length, 'no fact twice')
})

t.test('each fact reads as one line naming the customer; system facts show only when asked', async (t) => {
  const larkspur = customer(11)
  await createMapping(ctx, larkspur)
  const mappingId = (
    await ctx.api<{ items: { id: string; halopsaClientName: string }[] }>('GET', '/api/mappings')
  ).body.items.find((m) => m.halopsaClientName === larkspur.name)!.id
  const threatKey = 'web-audit-threat'
  const { position } = await ctx.relay.store.append(streams.ticket(threatKey), [
    {
      id: newId(),
      type: 'TicketCreated',
      data: {
        mappingId,
        ticketId: 1042,
        halopsaClientId: larkspur.clientId,
        threatKey,
        securityEventKey: `sec-${threatKey}`,
        summary: 'Trojan.Agent on WS-11',
        blocked: false
      },
      metadata: {
        correlationId: threatKey,
        causationId: threatKey,
        actor: 'relay',
        recordedAt: new Date().toISOString()
      }
    }
  ])
  await ctx.relay.store.append('checkpoint-web-audit', [
    {
      id: newId(),
      type: 'ProcessorCheckpointed',
      data: { processor: 'web-audit', position: position.toString() },
      metadata: { correlationId: 'cp', causationId: 'cp', actor: 'system', recordedAt: new Date().toISOString() }
    }
  ])
  await ctx.relay.runner.waitForPosition(await ctx.relay.store.headPosition())

  const page = await tab(t)
  await openAudit(page)
  const ticket = page.locator('main tbody tr', { hasText: 'Ticket #1042' })
  await waitForText(ticket, 'Ticket #1042 created for Larkspur Florists — Trojan.Agent on WS-11')
  t.match(await ticket.textContent(), /TicketCreatedLarkspur Florists/, 'the customer, not the stream, is named')
  t.equal(await page.getByLabel('Hide system facts').isChecked(), true, 'system facts are hidden by default')
  t.equal(await page.locator('main tbody tr', { hasText: 'Checkpoint of web-audit' }).count(), 0)

  await page.getByLabel('Hide system facts').uncheck()
  await page.getByRole('button', { name: 'Apply' }).click()
  await page.locator('main tbody tr', { hasText: 'Checkpoint of web-audit' }).waitFor()
  t.equal(new URL(page.url()).hash, '#/audit?system=shown')
})

t.test('no console error, page error or CSP violation happened in any page', async (t) => {
  // The one the forced drop causes: the live response ended mid-stream.
  t.same(
    browser.problems.filter((p) => p !== 'console: Failed to load resource: net::ERR_INCOMPLETE_CHUNKED_ENCODING'),
    []
  )
})
