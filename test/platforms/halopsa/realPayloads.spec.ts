import { readFileSync } from 'node:fs'
import t from 'tap'
import type { HaloHttp } from '../../../src/platforms/halopsa/http.js'
import { createRecurringInvoicesApi } from '../../../src/platforms/halopsa/resources/recurringInvoices.js'
import { clientSchema, invoiceLineSchema, recurringInvoiceSchema } from '../../../src/platforms/halopsa/schemas.js'
import { haloWebhookDeliverySchema } from '../../../src/platforms/halopsa/webhookPayload.js'
import { bodyRefusal, haloOpenApi, requestBodySchema, validateAgainst } from '../../../simulators/halopsa/openapi.js'

/**
 * Real HaloPSA payloads (test/fixtures/real/halopsa/SOURCES.md) through the relay's own schemas,
 * and what each implies for the relay.
 */

const real = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/real/halopsa/${name}`, import.meta.url), 'utf8'))

/** A HaloHttp that answers every call with `answer` and keeps what was sent. */
const recordingHttp = (answer: unknown) => {
  const sent: Parameters<HaloHttp['send']>[0][] = []
  const http: HaloHttp = {
    send: async (req) => (sent.push(req), req.schema.parse(answer)),
    find: async (req) => (sent.push(req), req.schema.parse(answer))
  }
  return { http, sent }
}

t.test('the real recurring invoice parses: header, embedded client, 8 lines with their quantity types', async (t) => {
  const raw = real('halo-recurringinvoice-get.json') as { client: unknown }
  const invoice = recurringInvoiceSchema.parse(raw)
  t.match(invoice, { id: -94, clientId: 420 })
  t.equal(invoice.lines.length, 8)
  t.same(
    invoice.lines.map((l) => [l.itemId, l.quantityType]),
    [
      [1402, 0],
      [1394, 2],
      [783, 1],
      [782, 1],
      [1000, 1],
      [1731, 1],
      [671, 1],
      [1542, 0]
    ],
    'six of the eight lines have a quantity Halo calculates'
  )
  t.ok(invoice.lines.every((l) => l.invoiceId === -94))
  t.match(clientSchema.parse(raw.client), { id: 420, name: /\S/ })
})

t.test('every line of the real POST body parses, and the body binds to Halo’s InvoiceHeader schema', async (t) => {
  const body = real('halo-recurringinvoice-post-body.json') as { id: number; lines: unknown[] }[]
  t.equal(body[0]!.lines.length, 8)
  for (const line of body[0]!.lines) invoiceLineSchema.parse(line)
  t.equal(bodyRefusal('POST', '/api/RecurringInvoice', body), undefined)
})

t.test(
  'billing the real invoice writes only its manual lines and records the automatic one it was asked for as skipped',
  async (t) => {
    const raw = real('halo-recurringinvoice-get.json')
    const invoice = recurringInvoiceSchema.parse(raw)
    const { http, sent } = recordingHttp(raw)
    const api = createRecurringInvoicesApi(http)
    const result = await api.applyLineQuantities(invoice, [
      { itemId: 1402, quantity: 3 }, // manual (type 0): the relay's to set
      { itemId: 1000, quantity: 20 } // Microsoft 365 Apps, licence-counted (type 1): left alone
    ])
    t.same(
      result.changes.map((c) => [c.itemId, c.before, c.after]),
      [[1402, 1, 3]]
    )
    t.same(result.skipped, [
      { itemId: 1000, lineId: 24967, quantityType: 1, quantity: 14, wanted: 20, reason: 'automatic_quantity' }
    ])
    t.equal(sent.length, 1, 'one POST')
    const posted = (sent[0]!.body as { lines: Record<string, unknown>[] }[])[0]!.lines
    t.equal(posted.length, 8, 'the whole line set goes back')
    t.equal(posted.find((l) => l.id === 24967)!.qty_order, 14, 'the licence-counted line keeps its quantity')
    t.equal(posted.find((l) => l.id === 24963)!.qty_order, 3)
    // The relay's own fields have the documented types (raw lines pass through as Halo sent them).
    const doc = haloOpenApi()
    t.same(
      validateAgainst(doc, requestBodySchema(doc, 'POST', '/api/RecurringInvoice')!, sent[0]!.body, {
        mode: 'strict',
        unknown: (path) => !/\.lines\[\d+\]\./.test(path)
      }),
      []
    )
  }
)

t.test('an item with no manual line but an automatic one gets no second, manual line', async (t) => {
  const raw = real('halo-recurringinvoice-get.json')
  const { http, sent } = recordingHttp(raw)
  const result = await createRecurringInvoicesApi(http).applyLineQuantities(recurringInvoiceSchema.parse(raw), [
    { itemId: 783, quantity: 5 }
  ])
  t.same(result.changes, [])
  t.match(result.skipped, [{ itemId: 783, quantityType: 1 }])
  t.equal(sent.length, 0, 'nothing to post')
})

t.test('the real "ticket status changed" delivery parses as a closed ticket', async (t) => {
  const [payload] = haloWebhookDeliverySchema.parse(real('halo-webhook-ticket-status-changed.json'))
  t.match(payload, {
    deliveryId: '8e25bc7b-e07e-4102-9398-5d6647e1e79d',
    event: 'ticket status changed',
    objectId: 4242,
    notificationId: 41,
    ticket: { id: 4242, statusId: 9, hasBeenClosed: true, clientId: 1 }
  })
})
