import t from 'tap'
import fc from 'fast-check'
import { exceedsDepth } from '../../../src/domain/jsonLimits.js'
import { MAX_EVENT_CHARS, RAW_PREVIEW_CHARS } from '../../../src/platforms/gravityzone/pushEvents.js'
import { preparePush } from '../../../src/services/pushPreparation.js'
import { eventsIn, pushBodies } from '../../support/bodies.js'

/**
 * Properties of the GravityZone push parser over arbitrary bodies (test/support/bodies.ts): it
 * never throws, refuses only with a documented reason, and an accepted delivery has one fact per
 * event, each of bounded depth and size, safe to serialise again.
 */

const maxEvents = 20

t.test('the push parser prepares any body without throwing: one fact per event, or a stated refusal', async (t) => {
  fc.assert(
    fc.property(pushBodies, (body) => {
      const prepared = preparePush(body, { maxEvents })
      const events = eventsIn(body)
      if (!prepared.ok) {
        if (!['not_json', 'not_add_events', 'too_many_events'].includes(prepared.reason)) return false
        // Too many events is the only refusal of a body whose events JSON.parse found.
        return prepared.reason !== 'too_many_events' || (events !== undefined && events > maxEvents)
      }
      if (events === undefined || events > maxEvents) return false
      if (prepared.facts.length !== events) return false
      if (prepared.security + prepared.platform + prepared.invalid !== events) return false
      if (new Set(prepared.facts.map((f) => f.id)).size !== events) return false
      return prepared.facts.every((fact) => {
        const data = JSON.parse(fact.data) as { raw?: unknown; rawText?: string }
        // Stored data can always be serialised again, by the audit or a platform call.
        JSON.stringify(data)
        if (exceedsDepth(data, 66)) return false
        if (fact.type === 'PushEventInvalid' && typeof data.raw === 'string' && data.raw.length > MAX_EVENT_CHARS)
          return false
        return fact.data.length < 2 * MAX_EVENT_CHARS + RAW_PREVIEW_CHARS
      })
    }),
    { numRuns: 200 }
  )
  t.pass('no counterexample')
})

t.test('preparing the same bytes twice gives the same facts (a re-delivery duplicates nothing)', async (t) => {
  fc.assert(
    fc.property(pushBodies, (body) => {
      t.strictSame(preparePush(body, { maxEvents }), preparePush(Buffer.from(body), { maxEvents }))
    }),
    { numRuns: 50 }
  )
})
