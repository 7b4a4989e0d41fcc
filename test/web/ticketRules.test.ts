import t from 'tap'
import { newId } from '../../src/domain/ids.js'
import { streams } from '../../src/domain/streams.js'
import { tokens } from '../support/app.js'
import { screenshot, waitForText } from './support/browser.js'
import { openDashboard } from './support/dashboard.js'
import { createMapping, customer } from './support/seed.js'
import type { DashboardRelay } from './support/relay.js'

// Given a relay whose history holds security events and the tickets they made, when an operator
// edits the ticket rules on the Configuration page, then the backtest of the rules in the form is
// shown before they can be saved, a change after the backtest asks for another one, and what is
// saved is exactly what the form said.

const { ctx, tab } = await openDashboard(t)
const acme = await createMapping(ctx, customer(0))
const configured = await ctx.api('PUT', '/api/config/ticketing', {
  ticketTypeId: 3,
  priorityId: 3,
  closedStatusName: 'Closed',
  autoCloseBlocked: false,
  modules: ['av', 'hd']
})
if (configured.status !== 200) throw new Error(`configuring ticketing answered ${configured.status}`)

const append = async (relay: DashboardRelay, stream: string, type: string, data: unknown) => {
  const metadata = {
    correlationId: `corr-${stream}`,
    causationId: stream,
    actor: 'relay',
    recordedAt: new Date().toISOString()
  }
  const { position } = await relay.relay.store.append(stream, [{ id: newId(), type, data, metadata }])
  await relay.relay.runner.waitForPosition(position)
}

/** A security event received from GravityZone, and what live ticketing made of it. */
const history = async (
  n: number,
  [threat, ticketId]: [string, number],
  blocked: boolean,
  outcome: 'TicketCreated' | 'TicketNoteAdded'
) => {
  const threatKey = `threat-${threat}`
  const eventKey = `event-${n}`
  const event = { module: 'av', computer_name: 'ACME-PC-1', malware_name: threat, malware_type: 'file' }
  await append(ctx, streams.gzDelivery(`2026-web-${n}`), 'SecurityEventReceived', {
    deliveryId: `delivery-${n}`,
    index: 0,
    eventKey,
    threatKey,
    module: 'av',
    companyId: acme.customer.companyId,
    endpointName: 'ACME-PC-1',
    threatName: threat,
    blocked,
    isTest: false,
    event
  })
  const common = { mappingId: acme.id, ticketId, threatKey, securityEventKey: eventKey }
  await append(
    ctx,
    streams.ticket(threatKey),
    outcome,
    outcome === 'TicketNoteAdded'
      ? common
      : {
          ...common,
          halopsaClientId: acme.customer.clientId,
          summary: `${threat} on ACME-PC-1`,
          blocked,
          priorityId: 3
        }
  )
}

const [eicar, trojan]: [string, number][] = [
  ['EICAR-Test', 501],
  ['Trojan.Blocked', 502]
]
await history(1, eicar!, false, 'TicketCreated')
await history(2, eicar!, false, 'TicketNoteAdded')
await history(3, trojan!, true, 'TicketCreated')

t.test('the rules are saved only after their backtest is shown, and a change asks for another', async (t) => {
  const page = await tab(t)
  await page.getByRole('link', { name: 'Configuration' }).click()
  const form = page.getByRole('form', { name: 'Ticket rules' })
  await waitForText(form, 'Version 0 (the defaults')
  const save = form.getByRole('button', { name: 'Save ticket rules' })
  t.ok(await save.isDisabled(), 'nothing to save before a backtest')

  // The rules in force, backtested: they do what happened.
  const result = form.getByRole('region', { name: 'Backtest result' })
  await form.getByRole('button', { name: 'Backtest these rules' }).click()
  await waitForText(result, '3 security events: these rules would have made 2 tickets, 2 were made.')
  const total = result.getByRole('row', { name: /^Total/ })
  t.same(await total.getByRole('cell').allInnerTexts(), ['2', '1', '0', '0', '0'])
  await waitForText(result.getByRole('row', { name: new RegExp(`^${acme.customer.name}`) }), '2')

  // A candidate: blocked threats never make a ticket, still-present ones are priority 1.
  await form.getByRole('button', { name: 'Add exclusion' }).click()
  await form.getByLabel('Threat, exclusion 1').selectOption('blocked')
  await waitForText(result, 'This backtest is of the rules as they were before your change.')
  t.ok(await save.isDisabled(), 'a change after the backtest needs another one')
  await form.getByRole('button', { name: 'Add rule' }).click()
  await form.getByLabel('Threat, rule 1').selectOption('still present')
  await form.getByLabel('Priority id, rule 1').fill('1')
  await form.getByLabel(/Repeat window/).fill('24')
  await form.getByRole('button', { name: 'Backtest these rules' }).click()
  await waitForText(result, 'these rules would have made 1 ticket, 2 were made.')
  t.same(await total.getByRole('cell').allInnerTexts(), ['1 (was 2)', '1', '0', '0', '1 (was 0)'])
  await screenshot(page, 'ticket-rules')

  await save.click()
  await waitForText(form.getByRole('status'), 'Saved: ticket rules version 1.')
  t.match((await ctx.api('GET', '/api/config/ticket-rules')).body, {
    version: 1,
    priorities: [{ when: { blocked: false }, priorityId: 1 }],
    consolidation: { repeatWindowHours: 24 },
    reopen: {},
    exclusions: [{ blocked: true }]
  })

  await page.reload()
  const reloaded = page.getByRole('form', { name: 'Ticket rules' })
  await waitForText(reloaded, 'Version 1.')
  t.equal(await reloaded.getByLabel('Priority id, rule 1').inputValue(), '1')
  t.equal(await reloaded.getByLabel(/Repeat window/).inputValue(), '24')
})

t.test('rules the API refuses are shown beside the backtest, and nothing is saved', async (t) => {
  const page = await tab(t)
  await page.getByRole('link', { name: 'Configuration' }).click()
  const form = page.getByRole('form', { name: 'Ticket rules' })
  await form.getByRole('button', { name: 'Add exclusion' }).click()
  await form.getByRole('button', { name: 'Backtest these rules' }).click()
  await waitForText(form.getByRole('alert').first(), 'Exclusions, exclusion 2: give at least one condition.')
  await form.getByLabel('Modules, exclusion 2').fill('antivirus')
  await form.getByRole('button', { name: 'Backtest these rules' }).click()
  await waitForText(form.getByRole('region', { name: 'Backtest result' }), 'these rules would have made')
  await form.getByRole('button', { name: 'Save ticket rules' }).click()
  await waitForText(form.getByRole('alert'), /Not saved: .*GravityZone has no module "antivirus"/)
  t.match((await ctx.api('GET', '/api/config/ticket-rules')).body, { version: 1 }, 'the saved rules are unchanged')

  // A read-only token may backtest (scope read): it writes nothing.
  const reader = await tab(t, tokens.reader)
  await reader.getByRole('link', { name: 'Configuration' }).click()
  const readOnly = reader.getByRole('form', { name: 'Ticket rules' })
  await readOnly.getByRole('button', { name: 'Backtest these rules' }).click()
  await waitForText(readOnly.getByRole('region', { name: 'Backtest result' }), 'these rules would have made')
})
