import t from 'tap'
import { parsePushDelivery, pushMd5, verifyPushMd5 } from '../../../src/platforms/gravityzone/push.js'
import { waitFor } from '../../support/storeFacts.js'
import { apiKey, connect, pushSettings, startReceiver, startSimulator } from './support.js'
import type { GravityZoneSimulator } from '../../../simulators/gravityzone/server.js'

type PushAnswer = {
  status: number
  sent: number
  filtered: Record<string, number>
  batches: { ok: boolean; status?: number; error?: string; events: number }[]
}

/** `POST /_sim/push`: what a test or the demo does to make GravityZone push now. */
const simPush = async (sim: GravityZoneSimulator, body: unknown): Promise<PushAnswer> => {
  const res = await fetch(`${sim.origin}/_sim/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body)
  })
  if (res.status !== 200) throw new Error(`/_sim/push answered ${res.status}: ${await res.text()}`)
  return (await res.json()) as PushAnswer
}

const threeHours = 3 * 60 * 60 * 1000

t.test(
  'a delivery carries a mixed batch with the configured Authorization, a verifiable MD5 and no Content-Type',
  async (t) => {
    const sim = await startSimulator(t)
    const receiver = await startReceiver(t)
    const client = connect(t, sim)
    t.match(await client.setPushEventSettings(pushSettings(receiver.url)), { acknowledged: true })

    const answer = await simPush(sim, {
      generate: [{ module: 'av' }, { module: 'new-incident' }, { module: 'ransomware-mitigation' }]
    })

    t.match(answer, { status: 1, sent: 3, batches: [{ ok: true, status: 200, events: 3 }] })
    t.equal(receiver.received.length, 1, 'one request for the batch')
    const [request] = receiver.received
    t.equal(
      request!.headers.authorization,
      'Bearer push-secret-123',
      'Authorization is the configured string, verbatim'
    )
    t.equal(request!.headers['content-type'], undefined, 'no Content-Type header')
    t.equal(request!.headers['event-push-service-md5'], pushMd5(apiKey, request!.body))
    t.ok(verifyPushMd5(apiKey, Buffer.from(request!.body), request!.headers['event-push-service-md5']))
    t.notOk(
      verifyPushMd5('another-key', request!.body, request!.headers['event-push-service-md5']),
      'a different key does not verify'
    )
    const parsed = parsePushDelivery(request!.body)
    t.ok(parsed.ok)
    if (!parsed.ok) return
    t.same(
      parsed.delivery.events.map((e) => (e as { module: string }).module),
      ['av', 'new-incident', 'ransomware-mitigation']
    )
    t.type(parsed.delivery.rpcId, 'number', 'id is epoch milliseconds')
    t.ok(Math.abs((parsed.delivery.rpcId as number) - sim.clock.now()) < 60_000)
    t.match(JSON.parse(request!.body), { jsonrpc: '2.0', method: 'addEvents' })
  }
)

t.test('filters: event types not subscribed and companies not listed are not sent', async (t) => {
  const sim = await startSimulator(t)
  const alpha = sim.state.companies.create({ name: 'Alpha' })
  const beta = sim.state.companies.create({ name: 'Beta' })
  const receiver = await startReceiver(t)
  const client = connect(t, sim)
  await client.setPushEventSettings({
    ...pushSettings(receiver.url, ['av']),
    subscribeToCompanies: [sim.state.rootId, alpha.id]
  })

  const answer = await simPush(sim, {
    generate: [
      { module: 'av', companyId: alpha.id },
      { module: 'aph', companyId: alpha.id },
      { module: 'av', companyId: beta.id }
    ]
  })

  t.match(answer, { sent: 1, filtered: { 'not-subscribed': 1, 'not-in-subscribed-companies': 1 } })
  t.same(
    receiver.events().map((e) => [e.module, e.companyId]),
    [['av', alpha.id]]
  )
})

t.test(
  'the edge cases of real deliveries can be pushed on demand: duplicates, both score spellings, no companyId',
  async (t) => {
    const sim = await startSimulator(t)
    const receiver = await startReceiver(t)
    const client = connect(t, sim)
    await client.setPushEventSettings(pushSettings(receiver.url))

    const answer = await simPush(sim, {
      generate: [
        { module: 'new-incident', variant: { severitySpelling: 'severityScore' } },
        { module: 'new-incident', variant: { severitySpelling: 'severity_score' } },
        { module: 'av', variant: { omitCompanyId: true, finalStatus: 'present' } }
      ],
      duplicate: true
    })

    t.match(answer, { sent: 6, batches: [{ ok: true, events: 6 }] })
    const events = receiver.events()
    t.same(events[0], events[1], 'each event is delivered twice, identical')
    t.ok('severityScore' in events[0]! && !('severity_score' in events[0]!))
    t.ok('severity_score' in events[2]! && !('severityScore' in events[2]!))
    t.match(events[4], { module: 'av', final_status: 'present' })
    t.notOk('companyId' in events[4]!)
  }
)

t.test('the control routes never show the push secret', async (t) => {
  const sim = await startSimulator(t)
  const receiver = await startReceiver(t)
  const client = connect(t, sim)
  await client.setPushEventSettings(pushSettings(receiver.url))
  await simPush(sim, { generate: [{ module: 'av' }] })
  const view = await (await fetch(`${sim.origin}/_sim/push`)).text()
  t.match(JSON.parse(view), { status: 1, deliveries: [{ ok: true, status: 200 }] })
  t.notOk(view.includes('push-secret'))
  t.notOk(view.includes(apiKey))
})

t.test('getPushEventSettings reads the settings back with the authorization masked', async (t) => {
  const sim = await startSimulator(t)
  const client = connect(t, sim)
  t.match(await client.getPushEventSettings(), { status: 0 }, 'not configured yet')
  await client.setPushEventSettings(pushSettings('https://relay.example.com/webhooks/gravityzone'))
  const settings = await client.getPushEventSettings()
  t.match(settings, {
    status: 1,
    serviceType: 'jsonRPC',
    serviceSettings: { url: 'https://relay.example.com/webhooks/gravityzone', authorization: '********' }
  })
  t.equal(settings.subscribeToEventTypes?.av, true)
  t.notOk(JSON.stringify(settings).includes('push-secret'), 'the secret never comes back')
})

t.test('setPushEventSettings refuses what GravityZone refuses', async (t) => {
  const sim = await startSimulator(t)
  const client = connect(t, sim)
  const base = pushSettings('https://relay.example.com/hook')
  const refused = async (settings: unknown, field: RegExp) => {
    const error = await client.setPushEventSettings(settings as typeof base).catch((e: unknown) => e)
    t.match(error, { kind: 'rejected', rpcCode: -32602, status: 400 })
    t.match((error as Error).message, field)
  }
  await refused(
    { ...base, serviceSettings: { ...base.serviceSettings, url: 'http://relay.example.com/hook' } },
    /serviceSettings.url/
  )
  await refused({ ...base, subscribeToCompanies: [] }, /subscribeToCompanies/)
  await refused(
    { ...base, subscribeToCompanies: [sim.state.companies.create({ name: 'Only' }).id] },
    /subscribeToCompanies/
  )
  await refused({ ...base, subscribeToEventTypes: { 'not-a-module': true } }, /subscribeToEventTypes/)
  // No public source subscribes to these keys (G8): the simulator refuses them, naming each.
  await refused(
    { ...base, subscribeToEventTypes: { av: true, 'device-control': true, 'storage-antimalware': true } },
    /'device-control', 'storage-antimalware'/
  )
  t.match(await client.getPushEventSettings(), { status: 0 }, 'nothing was stored')
})

t.test(
  'sendTestPushEvent pushes the template with the overrides and _testEvent_, and the stats count it',
  async (t) => {
    const sim = await startSimulator(t)
    const receiver = await startReceiver(t)
    const client = connect(t, sim)
    await client.setPushEventSettings(pushSettings(receiver.url, ['aph']))

    const sent = await client.sendTestPushEvent('av', { malware_name: 'Test malware name' })
    t.match(sent, { module: 'av', malware_name: 'Test malware name', _testEvent_: true })
    await waitFor(() => receiver.received.length === 1, { what: 'the test event', timeoutMs: 5_000 })
    t.match(
      receiver.events()[0],
      { module: 'av', malware_name: 'Test malware name', _testEvent_: true },
      'sent although av is not subscribed'
    )

    await waitFor(async () => (await client.getPushEventStats()).count.testEvents === 1, {
      what: 'stats',
      timeoutMs: 5_000
    })
    t.match(await client.getPushEventStats(), {
      count: { testEvents: 1, events: 0, sentMessages: 1, errorMessages: 0 }
    })
    t.equal(await client.resetPushEventStats(), true)
    t.match(await client.getPushEventStats(), { count: { testEvents: 0, sentMessages: 0 } })
  }
)

t.test(
  'after more failed deliveries than the threshold, the service switches itself off until set again',
  async (t) => {
    const sim = await startSimulator(t, { push: { maxFailures: 3 } })
    const receiver = await startReceiver(t)
    const client = connect(t, sim)
    await client.setPushEventSettings(pushSettings(receiver.url))
    receiver.answer(500)

    for (let n = 1; n <= 3; n++)
      t.match(
        await simPush(sim, { generate: [{ module: 'av' }] }),
        { status: 1, batches: [{ ok: false, status: 500 }] },
        `failure ${n} tolerated`
      )
    t.equal((await client.getPushEventSettings()).status, 1, 'three failures: still on')
    t.match(
      await simPush(sim, { generate: [{ module: 'av' }] }),
      { status: 0, batches: [{ ok: false, status: 500 }] },
      'the fourth failure switches it off'
    )
    t.equal((await client.getPushEventSettings()).status, 0)

    receiver.answer(200)
    t.match(
      await simPush(sim, { generate: [{ module: 'av' }] }),
      { sent: 0, filtered: { disabled: 1 } },
      'nothing is sent while off'
    )
    t.equal(receiver.received.length, 4)
    t.match(await client.getPushEventStats(), {
      count: { sentMessages: 4, errorMessages: 4, events: 4 },
      error: { statusCode500: 4 }
    })

    await client.setPushEventSettings(pushSettings(receiver.url))
    t.match(
      await simPush(sim, { generate: [{ module: 'av' }] }),
      { status: 1, sent: 1, batches: [{ ok: true }] },
      're-armed by setPushEventSettings'
    )
  }
)

t.test('with the default threshold, the 101st failed delivery switches the service off', async (t) => {
  const sim = await startSimulator(t)
  const receiver = await startReceiver(t)
  const client = connect(t, sim)
  await client.setPushEventSettings(pushSettings(receiver.url))
  receiver.answer(404)
  const sender = sim.push.sender()
  for (let n = 0; n < 100; n++) await sender.send([{ event: sim.generate('av', sim.state.rootId) }])
  t.equal(sender.status(), 1, '100 failures: still on')
  await sender.send([{ event: sim.generate('av', sim.state.rootId) }])
  t.equal(sender.status(), 0, '101: off')
  t.match(sender.stats(), { count: { errorMessages: 101 }, error: { statusCode400: 101 } })
})

t.test('3 hours after the last error without a 200, the service switches itself off', async (t) => {
  const sim = await startSimulator(t)
  const receiver = await startReceiver(t)
  const client = connect(t, sim)
  await client.setPushEventSettings(pushSettings(receiver.url))

  t.test('an error then 3 hours without success: off', async (t) => {
    receiver.answer(503)
    await simPush(sim, { generate: [{ module: 'av' }] })
    sim.advanceTime(threeHours - 1_000)
    t.equal((await client.getPushEventSettings()).status, 1, 'just under 3 hours: still on')
    sim.advanceTime(1_000)
    t.equal((await client.getPushEventSettings()).status, 0, '3 hours: off')
    t.match(sim.push.sender().disabledReason(), /after the last error/)
  })

  t.test('an error then a 200: the clock stops, and 3 hours later it is still on', async (t) => {
    await client.setPushEventSettings(pushSettings(receiver.url))
    receiver.answer(503)
    await simPush(sim, { generate: [{ module: 'av' }] })
    receiver.answer(200)
    await simPush(sim, { generate: [{ module: 'av' }] })
    sim.advanceTime(threeHours + 1_000)
    t.equal((await client.getPushEventSettings()).status, 1)
  })

  t.test('time moved over HTTP applies the rule too', async (t) => {
    receiver.answer(500)
    await simPush(sim, { generate: [{ module: 'av' }] })
    const res = await fetch(`${sim.origin}/_sim/time`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceMs: threeHours })
    })
    t.equal(res.status, 200)
    t.equal((await client.getPushEventSettings()).status, 0)
  })
})

t.test('timeouts and refused connections are counted as failed deliveries', async (t) => {
  const sim = await startSimulator(t, { push: { timeoutMs: 150 } })
  const receiver = await startReceiver(t)
  const client = connect(t, sim)
  await client.setPushEventSettings(pushSettings(receiver.url))
  receiver.hangUp(true)
  t.match(await simPush(sim, { generate: [{ module: 'av' }] }), { batches: [{ ok: false, error: 'timed out' }] })
  await client.setPushEventSettings(pushSettings('http://127.0.0.1:9/closed'))
  t.match(await simPush(sim, { generate: [{ module: 'av' }] }), { batches: [{ ok: false }] })
  t.match(await client.getPushEventStats(), { count: { errorMessages: 2 }, error: { timeout: 1, connectionError: 1 } })
})

t.test(
  'what the tenant does on its own is pushed in batches: installs, moves between companies and partners',
  async (t) => {
    const sim = await startSimulator(t, { push: { batchDelayMs: 20 } })
    const reseller = sim.state.companies.create({ name: 'Reseller', type: 0 })
    const alpha = sim.state.companies.create({ name: 'Alpha' })
    const beta = sim.state.companies.create({ name: 'Beta' })
    const receiver = await startReceiver(t)
    const client = connect(t, sim)
    await client.setPushEventSettings(pushSettings(receiver.url))

    const endpoint = sim.state.endpoints.add({ companyId: alpha.id, name: 'ALPHA-01' })
    sim.state.endpoints.move(endpoint.id, beta.id)
    sim.state.companies.move(beta.id, reseller.id)

    await waitFor(() => receiver.events().length === 5, { what: 'five pushed events', timeoutMs: 5_000 })
    t.same(
      receiver.events().map((e) => [e.module, e.companyId]),
      [
        ['install', alpha.id],
        ['endpoint-moved-out', alpha.id],
        ['endpoint-moved-in', beta.id],
        ['partner-changed', sim.state.rootId],
        ['partner-changed', reseller.id]
      ]
    )
    t.ok(receiver.received.length < 5, 'events close together share a request')
    t.match(receiver.events()[4], { moved_company_id: beta.id, action: 'joined' })
  }
)
