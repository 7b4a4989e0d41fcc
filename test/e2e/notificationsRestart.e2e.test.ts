import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { auth, tokens } from '../support/app.js'
import { relayEnvironment, startRelayProcess, type RelayProcess } from '../support/relayProcess.js'
import { startReceiver } from '../support/receiver.js'
import { waitFor } from '../support/storeFacts.js'

/**
 * A raise sends one message even across a crash: the relay runs as production does (its own
 * process, a SQLite file), is killed with SIGKILL while a notification is on the wire (sent, not
 * yet acknowledged), and restarted on the same file. The receiver then gets that notification at
 * most once more, with the same idempotency key, and every other one exactly once.
 */

const NOTIFY_SECRET_KEY = 'notify-secret-key-for-the-tests-0123456789'

t.test('SIGKILL between a delivery and its acknowledgement: at most one duplicate, with the same id', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-notify-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const env = {
    ...relayEnvironment(`sqlite:${join(dir, 'relay.db')}`),
    API_TOKENS: `operator:operate:${tokens.operator}`,
    NOTIFY_SECRET_KEY
  }
  // The first request is held open: the relay dies while it waits for the answer.
  const receiver = await startReceiver((_r, i) => (i === 0 ? 'hang' : 200))
  t.teardown(() => receiver.close())
  let relay: RelayProcess = await startRelayProcess(env)
  t.teardown(() => relay.signal('SIGKILL'))
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(relay.url + path, {
      method,
      headers: { ...auth(), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {})
    })
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return { status: res.status, body: (await res.json()) as any }
  }
  t.equal(
    (
      await api('PUT', '/api/config/notifications', {
        targets: [
          { name: 'soc', url: receiver.url, format: 'json', secret: 'receiver-shared-secret-42', on: ['raised'] }
        ]
      })
    ).status,
    200
  )
  // Given the platforms unreachable, two polls raise platform-unreachable
  for (let i = 0; i < 2; i++) await api('POST', '/api/sync/run?wait=30')
  await receiver.waitFor(1, 20_000)
  // When the relay is killed while the first notification waits for its answer
  relay.signal('SIGKILL')
  await relay.exited
  // and restarted on the same store
  relay = await startRelayProcess(env)
  // Then every raise is delivered, the interrupted one at most once more and with the same id
  await waitFor(
    async () =>
      (await api('GET', '/api/audit?type=NotificationDelivered')).body.items.length >=
      (await api('GET', '/api/events?type=platform-unreachable&status=all')).body.items.length,
    { timeoutMs: 20_000, what: 'every raise delivered' }
  )
  const events = (await api('GET', '/api/events?type=platform-unreachable&status=all')).body.items
  t.ok(events.length >= 1, `${events.length} raise(s)`)
  const byId = new Map<string, number>()
  for (const r of receiver.received) {
    const id = String(r.headers['x-relay-delivery'])
    byId.set(id, (byId.get(id) ?? 0) + 1)
  }
  const first = String(receiver.received[0]!.headers['x-relay-delivery'])
  t.equal(byId.get(first), 2, 'the interrupted delivery came once more, with the same id')
  t.equal(byId.size, events.length, 'one notification per raise')
  for (const [id, count] of byId) if (id !== first) t.equal(count, 1, 'the other exactly once')
  const delivered = (await api('GET', '/api/audit?type=NotificationDelivered')).body.items
  t.same(delivered.map((f: { data: { id: string } }) => f.data.id).sort(), [...byId.keys()].sort())
  relay.signal('SIGTERM')
  await relay.exited
})
