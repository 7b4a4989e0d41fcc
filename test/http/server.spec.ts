import t from 'tap'
import { request } from 'undici'
import { pushMd5 } from '../../src/platforms/gravityzone/push.js'
import { auth, testApp, webhookSecrets } from '../support/app.js'
import { waitFor } from '../support/storeFacts.js'

/** The same app on a real socket: what inject cannot show (no Content-Type at all, SSE, streaming). */
t.test('on a real listening server', async (t) => {
  const ctx = await testApp()
  t.teardown(ctx.close)
  const base = await ctx.app.listen({ port: 0, host: '127.0.0.1' })

  t.test('a GravityZone push without any Content-Type header is accepted', async (t) => {
    const body = Buffer.from(
      JSON.stringify({
        jsonrpc: '2.0',
        method: 'addEvents',
        params: {
          events: [{ module: 'av', companyId: 'c1', computer_id: 'e1', malware_name: 'X', final_status: 'deleted' }]
        },
        id: 1720773248505
      })
    )
    const res = await request(`${base}/webhooks/gravityzone`, {
      method: 'POST',
      body,
      headers: {
        authorization: webhookSecrets.gravityzoneAuthorization,
        'event-push-service-md5': pushMd5(webhookSecrets.gravityzoneApiKey, body)
      }
    })
    t.equal(res.statusCode, 200)
    t.match(await res.body.json(), { result: { security: 1 } })
  })

  t.test('the audit trail streams as NDJSON and tails live facts as server-sent events', async (t) => {
    const controller = new AbortController()
    const live = await request(`${base}/api/audit/live?type=MappingCreated`, {
      headers: auth(),
      signal: controller.signal
    })
    t.equal(live.statusCode, 200)
    t.match(live.headers['content-type'], /text\/event-stream/)
    let received = ''
    live.body.setEncoding('utf8')
    live.body.on('data', (chunk: string) => (received += chunk))
    live.body.on('error', () => undefined)
    await waitFor(() => received.includes(': connected'), { what: 'the SSE preamble' })
    const created = await request(`${base}/api/mappings`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ gravityzoneCompanyId: 'a1a1a1a1a1a1a1a1a1a1a1a1', halopsaClientId: 5 })
    })
    t.equal(created.statusCode, 201)
    const mapping = (await created.body.json()) as { id: string }
    await waitFor(() => received.includes('event: fact'), { what: 'the live fact' })
    const frame = received.split('\n\n').find((f) => f.includes('event: fact'))!
    const data = JSON.parse(
      frame
        .split('\n')
        .find((l) => l.startsWith('data: '))!
        .slice(6)
    )
    t.match(data, { type: 'MappingCreated', data: { mappingId: mapping.id } })
    t.match(frame, new RegExp(`id: ${data.position}`), 'the SSE id is the position, for Last-Event-ID resumes')
    t.notMatch(received, /SecurityEventReceived/, 'the type filter applies')
    controller.abort()

    const ndjson = await request(`${base}/api/audit`, { headers: { ...auth(), accept: 'application/x-ndjson' } })
    const lines = (await ndjson.body.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    t.same(
      lines.map((l) => l.type),
      ['SecurityEventReceived', 'MappingCreated']
    )
  })

  t.test('a live tail resumes after Last-Event-ID', async (t) => {
    const facts = await ctx.relay.store.readAll()
    const controller = new AbortController()
    const live = await request(`${base}/api/audit/live`, {
      headers: { ...auth(), 'last-event-id': facts[0]!.position.toString() },
      signal: controller.signal
    })
    let received = ''
    live.body.setEncoding('utf8')
    live.body.on('data', (chunk: string) => (received += chunk))
    live.body.on('error', () => undefined)
    await waitFor(() => (received.match(/event: fact/g) ?? []).length >= facts.length - 1, {
      what: 'the facts after the last event id'
    })
    t.notMatch(received, new RegExp(`id: ${facts[0]!.position}\\n`), 'the acknowledged fact is not sent again')
    controller.abort()
  })
})
