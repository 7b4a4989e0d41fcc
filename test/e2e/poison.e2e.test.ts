import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { apiClient, startStack, type Stack } from '../../demo/stack.js'
import { deterministicId } from '../../src/domain/ids.js'
import { JsonText } from '../../src/store/port.js'
import { customers } from '../support/e2e.js'

/**
 * One poison fact never stops ticketing: a security event nested ~5,000 levels deep, stored by a
 * relay that did not bound nesting, makes the ticketing handler overflow its stack on every try.
 * The processor parks it and goes on, later security events of other customers become tickets
 * (after a restart too), the parked fact is visible and can be retried, and the audit still reads.
 */

const [acme, birch, cobalt] = customers as [
  (typeof customers)[number],
  (typeof customers)[number],
  (typeof customers)[number]
]
const ticketing = { ticketTypeId: 3, closedStatusName: 'Closed', autoCloseBlocked: false, modules: ['av'] }
const fastRetries = {
  ticketingRetry: { minMs: 20, maxMs: 200, giveUpAfterMs: 1_000 },
  upstream: { timeoutMs: 3_000, retry: { retries: 2, minDelayMs: 20, maxDelayMs: 200, defaultRetryAfterMs: 200 } }
}

const ticketsFor = (s: Stack, clientId: number) =>
  [...s.halopsa.state.data().tickets.rows.values()].filter((x) => (x as { client_id: number }).client_id === clientId)

/** A SecurityEventReceived for acme whose event holds a value nested `depth` levels, as JSON text. */
const poisonFact = (depth: number) => {
  const nest = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
  const fields = {
    deliveryId: 'old-relay',
    index: 0,
    eventKey: 'poison-event',
    threatKey: 'poison-threat',
    module: 'av',
    companyId: acme.companyId,
    endpointId: 'e-poison',
    blocked: false,
    isTest: false
  }
  const text = `${JSON.stringify(fields).slice(0, -1)},"event":{"module":"av","malware_name":"Deep","nest":${nest}}}`
  return {
    id: deterministicId('poison'),
    type: 'SecurityEventReceived',
    data: new JsonText(text),
    metadata: {
      correlationId: 'old-relay',
      causationId: 'old-relay',
      actor: 'gravityzone',
      recordedAt: '2026-01-01T00:00:00Z'
    }
  }
}

t.test('a poison security event is parked; later events of other customers still become tickets', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-poison-'))
  const eventStoreUrl = `sqlite:${join(dir, 'relay.db')}`
  const open: Stack[] = []
  t.teardown(async () => {
    for (const s of open) await s.close()
    rmSync(dir, { recursive: true, force: true })
  })

  // Given a relay with three customers mapped for ticketing,
  const first = await startStack({ eventStoreUrl, ...fastRetries })
  open.push(first)
  const api = apiClient(first.url, first.token)
  for (const customer of [acme, birch, cobalt]) {
    const res = await api('POST', '/api/mappings', {
      gravityzoneCompanyId: customer.companyId,
      halopsaClientId: customer.clientId,
      billing: { enabled: false },
      ticketing: { enabled: true }
    })
    t.equal(res.status, 201)
  }
  t.equal((await api('PUT', '/api/config/ticketing', ticketing)).status, 200)

  // and a poison security event of acme's in its store,
  const poison = poisonFact(5_000)
  await first.relay.relay.store.append('gzDelivery-oldrelay', [poison], { expectedRevision: 'no_stream' })

  // when birch's security event comes after it,
  await first.gravityzone.push.send([{ event: first.gravityzone.generate('av', birch.companyId) }])
  await first.settle()

  // then birch gets its ticket, and the poison event is parked and visible.
  t.equal(ticketsFor(first, birch.clientId).length, 1, "birch's event became a ticket")
  t.equal(ticketsFor(first, acme.clientId).length, 0, 'the poison event made none')
  t.match((await api('GET', '/api/status')).body.processor, { parked: 1 }, 'the status counts it')
  const parked = await api('GET', '/api/processor/parked')
  t.match(parked, {
    status: 200,
    body: {
      items: [
        {
          processor: 'ticketing',
          factId: poison.id,
          factType: 'SecurityEventReceived',
          error: /^RangeError: Maximum call stack size exceeded/,
          attempts: 2,
          outcome: 'failed'
        }
      ]
    }
  })
  const metrics = await (await fetch(`${first.url}/metrics`)).text()
  t.match(metrics, /relay_processor_parked_facts\{processor="ticketing"\} 1/)
  t.match(metrics, /relay_processor_parked_total\{processor="ticketing"\} 1/)

  // The audit reads it: a page, and an export with every fact.
  const page = await api('GET', '/api/audit?stream=gzDelivery&limit=100')
  t.equal(page.status, 200)
  t.match(
    page.body.items.find((f: { id: string }) => f.id === poison.id),
    { data: { unshown: /nested deeper/ } }
  )
  const exported = await fetch(`${first.url}/api/audit`, {
    headers: { authorization: `Bearer ${first.token}`, accept: 'application/x-ndjson' }
  })
  const lines = (await exported.text()).split('\n').filter(Boolean)
  t.equal(lines.length, Number(await first.relay.relay.store.headPosition()), 'the export has every fact')

  // When the relay restarts on the same store,
  await first.close()
  open.pop()
  const second = await startStack({ eventStoreUrl, ...fastRetries })
  open.push(second)
  const api2 = apiClient(second.url, second.token)

  // then the fact is still parked, and cobalt's next security event becomes a ticket.
  t.match((await api2('GET', '/api/processor/parked')).body.items, [{ factId: poison.id }])
  await second.gravityzone.push.send([{ event: second.gravityzone.generate('av', cobalt.companyId) }])
  await second.settle()
  t.equal(ticketsFor(second, cobalt.clientId).length, 1, "cobalt's event became a ticket after the restart")
  t.equal((await api2('GET', '/api/audit?type=FactParked')).body.items.length, 1, 'parked once, not again at start')

  // An operator retries it: recorded with the operator's name; it fails the same way and is parked again.
  t.match(await api2('POST', '/api/processor/parked/nope/retry'), {
    status: 404,
    body: { error: { code: 'parked_fact_not_found' } }
  })
  const retry = await api2('POST', `/api/processor/parked/${poison.id}/retry`)
  t.match(retry, { status: 202, body: { factId: poison.id, position: /^\d+$/ } })
  await second.relay.processor.waitForPosition(BigInt(retry.body.position))
  t.match((await api2('GET', '/api/audit?type=ParkedFactRetried')).body.items, [
    { data: { processor: 'ticketing', factId: poison.id }, metadata: { actor: 'operator' } }
  ])
  t.equal((await api2('GET', '/api/audit?type=FactParked')).body.items.length, 2, 'parked again')
  t.match((await api2('GET', '/api/processor/parked')).body.items, [{ factId: poison.id, outcome: 'failed' }])
})
