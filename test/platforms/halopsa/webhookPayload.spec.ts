import t from 'tap'
import { haloWebhookPayloadSchema } from '../../../src/platforms/halopsa/webhookPayload.js'
import { createIngestion } from '../../../src/services/ingestion.js'
import { openSqliteStore } from '../../../src/store/sqlite/sqliteStore.js'

/**
 * The payload shapes a Halo admin can pick: full (`ticket`), small, event-only
 * (`{id, event, object_id, webhook_id}`) and custom ones that wrap the ticket in `object` or `data`.
 */

const base = { id: '0b7d3c1e-5f1a-4c55-9a0e-3d1f0c9b2a11', event: 'Ticket Status Changed', webhook_id: 'w-1' }

t.test('event information only: the object id names the ticket; nothing about its status is claimed', async (t) => {
  t.match(haloWebhookPayloadSchema.parse({ ...base, object_id: 4242 }), {
    event: 'ticket status changed',
    objectId: 4242,
    ticket: null
  })
})

t.test('a ticket under `object` or `data` is read like one under `ticket`', async (t) => {
  for (const wrapper of ['object', 'data', 'Object']) {
    const parsed = haloWebhookPayloadSchema.parse({
      ...base,
      [wrapper]: { id: '4242', status_id: 9.0, hasbeenclosed: 1 }
    })
    t.match(parsed, { objectId: 4242, ticket: { id: 4242, statusId: 9, hasBeenClosed: true } }, wrapper)
  }
  t.match(
    haloWebhookPayloadSchema.parse({ ...base, data: { ticket_id: 7, status_id: 2 } }),
    { objectId: 7, ticket: { id: 7, statusId: 2, hasBeenClosed: null } },
    'ticket_id names it too'
  )
})

t.test('a client event wrapped in `object` is not mistaken for a ticket', async (t) => {
  t.match(haloWebhookPayloadSchema.parse({ ...base, event: 'client updated', object_id: 101, object: { id: 101 } }), {
    objectId: 101,
    ticket: null
  })
})

t.test('a body that names no object is refused', async (t) => {
  const parsed = haloWebhookPayloadSchema.safeParse({ ...base })
  t.notOk(parsed.success)
  t.match(parsed.error?.issues[0], { path: ['object_id'] })
})

t.test('ingestion keeps an event-only notification as a fact about its ticket, status unknown', async (t) => {
  const store = openSqliteStore({ path: ':memory:' })
  t.teardown(() => store.close())
  const ingestion = createIngestion({ store })
  const result = await ingestion.halopsaWebhook(Buffer.from(JSON.stringify({ ...base, object_id: 4242 })))
  t.match(result, { received: 1, invalid: 0 })
  const [fact] = await store.readAll({ filter: { types: ['HaloWebhookReceived'] } })
  t.match(fact!.data, { event: 'ticket status changed', ticketId: 4242, haloId: base.id })
  t.notOk('hasBeenClosed' in (fact!.data as object) || 'statusId' in (fact!.data as object))
})
