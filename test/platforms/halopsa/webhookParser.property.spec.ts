import t from 'tap'
import fc from 'fast-check'
import { exceedsDepth } from '../../../src/domain/jsonLimits.js'
import {
  HALO_MAX_NOTIFICATIONS,
  haloNotificationLimitProblem,
  haloWebhookPayloadSchema
} from '../../../src/platforms/halopsa/webhookPayload.js'
import { createIngestion } from '../../../src/services/ingestion.js'
import { openSqliteStore } from '../../../src/store/sqlite/sqliteStore.js'
import { haloBodies } from '../../support/bodies.js'

/**
 * Properties of the HaloPSA webhook parser over arbitrary bodies (test/support/bodies.ts): it
 * never throws, every delivery leaves at least one fact, each notification within the limits is
 * judged by the payload schema, and nothing stored is nested deeper than the limit allows.
 */

const notificationsIn = (body: Buffer): unknown[] | undefined => {
  try {
    const text = body.toString('utf8')
    const json: unknown = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
    return Array.isArray(json) ? json : [json]
  } catch {
    return undefined
  }
}

t.test('the payload schema and the limit check take any notification without throwing', async (t) => {
  fc.assert(
    fc.property(haloBodies, (body) => {
      for (const item of notificationsIn(body) ?? []) {
        const problem = haloNotificationLimitProblem(item)
        if (problem === undefined) haloWebhookPayloadSchema.safeParse(item)
        else if (!exceedsDepth(item, 64)) return false
      }
      return true
    }),
    { numRuns: 150 }
  )
  t.pass('no counterexample')
})

t.test('a delivery of any body is stored as one fact per notification, or one invalid fact', async (t) => {
  const store = openSqliteStore({ path: ':memory:' })
  t.teardown(() => store.close())
  const ingestion = createIngestion({ store })
  await fc.assert(
    fc.asyncProperty(haloBodies, async (body) => {
      const result = await ingestion.halopsaWebhook(body)
      const items = notificationsIn(body)
      const expected =
        items === undefined || items.length === 0 || items.length > HALO_MAX_NOTIFICATIONS ? 1 : items.length
      if (result.received + result.invalid !== expected) return false
      const stored = await store.readStream(`haloDelivery-${result.deliveryId}`)
      return stored.length === expected && stored.every((f) => !exceedsDepth(f.data, 66))
    }),
    { numRuns: 150 }
  )
  t.pass('no counterexample')
})
