import t, { type Test } from 'tap'
import { createGravityZoneClient } from '../../../src/platforms/gravityzone/client.js'
import { cancellableBy } from '../../../src/platforms/transport/cancellation.js'
import type { PlatformError } from '../../../src/platforms/transport/errors.js'
import { apiKey, connect, failure, pushSettings, startReceiver, startSimulator } from './support.js'

const leaksNothing = (t: Test, error: PlatformError, secret: string) => {
  const text = `${error.message} ${JSON.stringify(error.details ?? '')} ${String(error.stack)}`
  t.notOk(text.includes(secret), 'the key is not in the error')
  t.notOk(text.includes(Buffer.from(`${secret}:`).toString('base64')), 'nor its Basic encoding')
}

t.test('auth failures', async (t) => {
  const sim = await startSimulator(t)

  t.test(
    'given an unknown key, the call fails with kind auth, HTTP 401 and -32000, and the key is not in the error',
    async (t) => {
      const wrongKey = 'not-the-key-4242424242'
      const client = createGravityZoneClient({ apiUrl: sim.url, apiKey: wrongKey })
      t.teardown(() => client.close())
      const error = await failure(client.getApiKeyDetails())
      t.match(error, {
        platform: 'gravityzone',
        call: 'general.getApiKeyDetails',
        kind: 'auth',
        status: 401,
        rpcCode: -32000
      })
      t.match(error.message, /Invalid API key/)
      t.equal(error.attempts, 1, 'auth failures are not retried')
      leaksNothing(t, error, wrongKey)
    }
  )

  // A live tenant answers 401 (not 403) for an API not ticked on the key (gravityzone-erpnext-billing README).
  t.test('given a key without the licensing API, licensing calls fail with kind auth (401)', async (t) => {
    sim.keys.add('billing-less-key', { enabledApis: ['network', 'companies'] })
    const client = createGravityZoneClient({ apiUrl: sim.url, apiKey: 'billing-less-key' })
    t.teardown(() => client.close())
    t.match(await failure(client.getMonthlyUsage()), { kind: 'auth', status: 401, rpcCode: -32000 })
    t.ok((await client.getCompaniesList()).length >= 0, 'network calls still work')
  })
})

t.test('rate limiting and retries', async (t) => {
  const sim = await startSimulator(t)

  t.test('given a 429 with Retry-After: 1, the client waits that long and recovers', async (t) => {
    sim.faults.add({ match: 'POST /api/v1.0/jsonrpc/general getApiKeyDetails', status: 429, retryAfter: 1, count: 1 })
    const client = connect(t, sim)
    const started = Date.now()
    const before = sim.calls.of('general.getApiKeyDetails')
    await client.getApiKeyDetails()
    t.ok(Date.now() - started >= 950, `waited ${Date.now() - started} ms for Retry-After`)
    t.equal(sim.calls.of('general.getApiKeyDetails') - before, 2)
    t.equal(client.stats().limiters.general.paused, 1, 'the 429 paused the shared limiter')
  })

  t.test('given a 429 without Retry-After, the client falls back to its default and recovers', async (t) => {
    sim.faults.add({ match: 'POST /api/v1.0/jsonrpc/general getApiKeyDetails', status: 429, count: 2 })
    const client = connect(t, sim, { retry: { retries: 3, minDelayMs: 5, maxDelayMs: 20, defaultRetryAfterMs: 30 } })
    const before = sim.calls.of('general.getApiKeyDetails')
    await client.getApiKeyDetails()
    t.equal(sim.calls.of('general.getApiKeyDetails') - before, 3)
  })

  t.test(
    'given more 429s than its budget for them, the call fails rate_limited with the Retry-After it was told',
    async (t) => {
      sim.faults.add({ match: 'POST /api/v1.0/jsonrpc/network getCompaniesList', status: 429, retryAfter: 0, count: 3 })
      const client = connect(t, sim, {
        retry: { retries: 0, rateLimitedRetries: 2, minDelayMs: 5, maxDelayMs: 20, defaultRetryAfterMs: 30 }
      })
      const error = await failure(client.getCompaniesList())
      t.match(error, { kind: 'rate_limited', status: 429, attempts: 3, retryAfterMs: 0 })
      t.ok(error.transient)
    }
  )

  t.test('given two 503s, an idempotent read is retried and recovers', async (t) => {
    sim.faults.add({ match: 'POST /api/v1.0/jsonrpc/companies getCompanyDetails', status: 503, count: 2 })
    const client = connect(t, sim)
    const details = await client.getCompanyDetails()
    t.equal(details.id, sim.state.rootId)
  })

  t.test('given a 503, sendTestPushEvent (not idempotent) is not retried', async (t) => {
    const receiver = await startReceiver(t)
    const client = connect(t, sim)
    await client.setPushEventSettings(pushSettings(receiver.url))
    sim.faults.add({ match: 'POST /api/v1.0/jsonrpc/push sendTestPushEvent', status: 503, count: 1 })
    const before = sim.calls.of('push.sendTestPushEvent')
    t.match(await failure(client.sendTestPushEvent('av')), { kind: 'server', status: 503, attempts: 1 })
    t.equal(sim.calls.of('push.sendTestPushEvent') - before, 1)
  })

  t.test(
    "the simulator's own limit answers 429 with Retry-After and the client recovers without losing a call",
    async (t) => {
      sim.rateLimits.configure({ enabled: true, general: { limit: 3, intervalMs: 1_000 } })
      t.teardown(() => sim.rateLimits.configure({ enabled: false }))
      const client = connect(t, sim)
      const limitedBefore = sim.rateLimits.limitedCount()
      const results = await Promise.all(Array.from({ length: 6 }, () => client.getCompaniesList()))
      t.equal(results.length, 6)
      t.ok(sim.rateLimits.limitedCount() > limitedBefore, 'some calls were throttled by the simulator')
    }
  )

  // Budgeted just inside the server's limit: with exactly the same budget, arrival jitter (two calls
  // sent 100 ms apart may arrive 95 ms apart) can still earn the odd 429, which the retry absorbs.
  t.test("a client budgeted inside the simulator's limit never gets a 429", async (t) => {
    sim.rateLimits.configure({ enabled: true, licensing: { limit: 5, intervalMs: 250 } })
    t.teardown(() => sim.rateLimits.configure({ enabled: false }))
    const client = connect(t, sim, { limits: { licensing: { limit: 4, intervalMs: 250 } } })
    const limitedBefore = sim.rateLimits.limitedCount()
    await Promise.all(Array.from({ length: 14 }, () => client.getLicenseInfo()))
    t.equal(sim.rateLimits.limitedCount(), limitedBefore)
    t.ok(client.stats().limiters.licensing.waited > 0, 'the client held calls back itself')
  })
})

t.test('timeouts and broken answers', async (t) => {
  const sim = await startSimulator(t)

  t.test('given a hanging server, the call times out and says so', async (t) => {
    sim.faults.add({ match: 'POST /api/v1.0/jsonrpc/licensing getMonthlyUsage', hang: true })
    t.teardown(() => sim.faults.clear())
    const client = connect(t, sim, { timeoutMs: 200, retry: { retries: 1, minDelayMs: 5, maxDelayMs: 10 } })
    const started = Date.now()
    const error = await failure(client.getMonthlyUsage())
    t.match(error, { kind: 'timeout', call: 'licensing.getMonthlyUsage', attempts: 2 })
    t.ok(Date.now() - started < 3_000)
  })

  t.test('given one hang then an answer, the retry recovers', async (t) => {
    sim.faults.add({ match: 'POST /api/v1.0/jsonrpc/licensing getLicenseInfo', hang: true, count: 1 })
    const client = connect(t, sim, { timeoutMs: 200 })
    t.equal((await client.getLicenseInfo()).length, 1)
  })

  t.test('given a body that is not JSON, the call fails with invalid_response', async (t) => {
    sim.faults.add({ match: 'POST /api/v1.0/jsonrpc/network getCompaniesList', malformed: true, count: 1 })
    const client = connect(t, sim)
    t.match(await failure(client.getCompaniesList()), { kind: 'invalid_response', status: 200 })
  })

  t.test('given a result of the wrong shape, the call fails with invalid_response naming the path', async (t) => {
    sim.faults.add({
      match: 'POST /api/v1.0/jsonrpc/general',
      status: 200,
      body: { id: 1, jsonrpc: '2.0', result: { enabledApis: 'all' } },
      count: 1
    })
    const client = connect(t, sim)
    const error = await failure(client.getApiKeyDetails())
    t.match(error, { kind: 'invalid_response' })
    t.match(error.message, /enabledApis/)
  })

  t.test('given an unreachable host, the call fails with kind network', async (t) => {
    const client = createGravityZoneClient({
      apiUrl: 'http://127.0.0.1:9/api',
      apiKey,
      retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2 }
    })
    t.teardown(() => client.close())
    t.match(await failure(client.getApiKeyDetails()), { kind: 'network', attempts: 2 })
  })

  t.test('given work that is stopped, its calls stop waiting at once: for an answer and between retries', async (t) => {
    const reason = new Error('the relay is shutting down')
    sim.faults.add({ match: 'POST /api/v1.0/jsonrpc/licensing getMonthlyUsage', hang: true })
    t.teardown(() => sim.faults.clear())
    const hanging = connect(t, sim, { timeoutMs: 60_000 })
    const unreachable = createGravityZoneClient({
      apiUrl: 'http://127.0.0.1:9/api',
      apiKey,
      retry: { retries: 10, minDelayMs: 60_000, maxDelayMs: 60_000 }
    })
    t.teardown(() => unreachable.close())
    const controller = new AbortController()
    const outcomes = cancellableBy(controller.signal, () =>
      Promise.allSettled([hanging.getMonthlyUsage(), unreachable.getApiKeyDetails()])
    )
    await new Promise((resolve) => setTimeout(resolve, 200))
    controller.abort(reason)
    const settled = await outcomes
    t.same(
      settled.map((outcome) => outcome.status === 'rejected' && outcome.reason === reason),
      [true, true],
      'both calls end with the reason the work was stopped for, long before their timeout or backoff'
    )
    await t.rejects(
      cancellableBy(controller.signal, () => unreachable.getApiKeyDetails()),
      reason,
      'a call made after the work was stopped is not sent'
    )
  })
})
