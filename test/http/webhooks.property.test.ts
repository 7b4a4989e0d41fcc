import t from 'tap'
import fc from 'fast-check'
import { contentHash } from '../../src/domain/ids.js'
import { pushMd5 } from '../../src/platforms/gravityzone/push.js'
import { errorCatalogue } from '../../src/http/errors.js'
import { testApp, webhookSecrets } from '../support/app.js'
import { eventsIn, haloBodies, pushBodies } from '../support/bodies.js'

/**
 * Both webhooks over arbitrary bodies (test/support/bodies.ts), through HTTP with valid
 * credentials: the answer is 2xx or 4xx in the documented shape, never a 500; a refused delivery
 * stores nothing; an accepted one stores all of its events, in one stream; the same bytes again
 * store nothing more. Large bodies go through a preparation thread, small ones stay inline.
 */

const basic = `Basic ${Buffer.from(`${webhookSecrets.halopsaUser}:${webhookSecrets.halopsaPassword}`).toString('base64')}`

const isErrorBody = (body: unknown, codes: readonly string[]): boolean => {
  const error = (body as { error?: { code?: unknown; message?: unknown } }).error
  return (
    typeof error?.code === 'string' &&
    error.code in errorCatalogue &&
    codes.includes(error.code) &&
    typeof error.message === 'string' &&
    error.message.length < 1000
  )
}

t.test('a GravityZone push of any body: 200 with every event stored, or 4xx storing nothing', async (t) => {
  const { app, relay, close } = await testApp({ ingest: { ingestThreads: 1, pushMaxEvents: 20 } })
  t.teardown(close)
  const seen = new Set<string>()
  await fc.assert(
    fc.asyncProperty(pushBodies, async (body) => {
      const before = await relay.store.headPosition()
      const res = await app.inject({
        method: 'POST',
        url: '/webhooks/gravityzone',
        headers: {
          authorization: webhookSecrets.gravityzoneAuthorization,
          'event-push-service-md5': pushMd5(webhookSecrets.gravityzoneApiKey, body)
        },
        payload: body
      })
      const appended = Number((await relay.store.headPosition()) - before)
      const repeat = seen.has(contentHash(body))
      seen.add(contentHash(body))
      if (res.statusCode !== 200) {
        t.ok([400, 413].includes(res.statusCode), `status ${res.statusCode}: ${res.body.slice(0, 200)}`)
        t.ok(isErrorBody(res.json(), ['invalid_push_envelope', 'too_many_events']), res.body.slice(0, 200))
        t.equal(appended, 0, 'a refused delivery stores nothing')
        return
      }
      const events = eventsIn(body)!
      const { result } = res.json() as { result: { security: number; platform: number; invalid: number } }
      t.equal(result.security + result.platform + result.invalid, events)
      t.equal(appended, repeat ? 0 : events, repeat ? 'the same bytes again store nothing' : 'every event is stored')
    }),
    { numRuns: 80 }
  )
})

t.test('a HaloPSA notification of any body: 200 with what it holds stored, never a 500', async (t) => {
  const { app, relay, close } = await testApp()
  t.teardown(close)
  const seen = new Set<string>()
  await fc.assert(
    fc.asyncProperty(haloBodies, async (body) => {
      const before = await relay.store.headPosition()
      const res = await app.inject({
        method: 'POST',
        url: '/webhooks/halopsa',
        headers: { authorization: basic, 'content-type': 'application/json' },
        payload: body
      })
      const appended = Number((await relay.store.headPosition()) - before)
      const repeat = seen.has(contentHash(body))
      seen.add(contentHash(body))
      t.equal(res.statusCode, 200, res.body.slice(0, 200))
      const { received, invalid } = res.json() as { received: number; invalid: number }
      t.ok(received + invalid >= 1, 'every delivery leaves at least one fact')
      t.equal(appended, repeat ? 0 : received + invalid)
    }),
    { numRuns: 120 }
  )
})
