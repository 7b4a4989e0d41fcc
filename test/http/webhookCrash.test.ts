import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { Pool, request } from 'undici'
import { pushBody } from '../../bench/support/bodies.js'
import { contentHash } from '../../src/domain/ids.js'
import { pushMd5 } from '../../src/platforms/gravityzone/push.js'
import { openEventStore } from '../../src/store/index.js'
import { auth, tokens, webhookSecrets } from '../support/app.js'
import { relayEnvironment, startRelayProcess, type RelayProcess } from '../support/relayProcess.js'
import { waitFor } from '../support/storeFacts.js'

/**
 * The relay answers a GravityZone push 200 only once its facts are durable
 * (docs/architecture.md#from-a-gravityzone-push-to-a-read-model), and a re-delivery appends nothing
 * (docs/architecture.md#deterministic-ids). Checked the hard way: the real process, deliveries at
 * concurrency 48, SIGKILL mid-stream, then a restart on the same SQLite file.
 */

const CONCURRENCY = 48
const ACKNOWLEDGED_BEFORE_KILL = 500
const REDELIVERED_ACKNOWLEDGED = 20

type Delivery = { body: string; deliveryId: string; keys: string[] }
type StoredFact = { id: string; stream: string; data: unknown }

/** Every delivery unique: `pushBody` names each event's file `<worker>-<n>-<index>.exe`. */
let sequence = 0
const nextDelivery = (worker: number): Delivery => {
  const n = sequence++
  const events = 1 + (n % 3)
  const body = pushBody(worker, n, events)
  return { body, deliveryId: contentHash(body), keys: Array.from({ length: events }, (_, i) => `${worker}-${n}-${i}`) }
}
const keyOf = (fact: StoredFact): string | undefined => {
  const path = (fact.data as { event?: { file_path?: unknown } }).event?.file_path
  return typeof path === 'string' ? /(\d+-\d+-\d+)\.exe$/.exec(path)?.[1] : undefined
}

const pushHeaders = (body: string) => ({
  authorization: webhookSecrets.gravityzoneAuthorization,
  'event-push-service-md5': pushMd5(webhookSecrets.gravityzoneApiKey, body)
})

/**
 * How often each fact id and each delivered event is stored, and which events each delivery's
 * stream holds (keyed by the delivery id, the SHA-256 of the body, which every fact carries).
 */
const census = (facts: readonly StoredFact[]) => {
  const ids = new Map<string, number>()
  const keys = new Map<string, number>()
  const streams = new Map<string, string[]>()
  const streamNames = new Map<string, Set<string>>()
  for (const fact of facts) {
    ids.set(fact.id, (ids.get(fact.id) ?? 0) + 1)
    const key = keyOf(fact) ?? `unknown:${fact.id}`
    keys.set(key, (keys.get(key) ?? 0) + 1)
    const delivery = (fact.data as { deliveryId?: string }).deliveryId ?? `stream:${fact.stream}`
    streams.set(delivery, [...(streams.get(delivery) ?? []), key])
    streamNames.set(delivery, (streamNames.get(delivery) ?? new Set()).add(fact.stream))
  }
  // One delivery, one stream: a delivery split over two streams would not be one atomic append.
  for (const [delivery, names] of streamNames)
    if (names.size !== 1) throw new Error(`delivery ${delivery} is spread over ${names.size} streams`)
  const twice = (counts: Map<string, number>) => [...counts].filter(([, n]) => n > 1).map(([k]) => k)
  return { ids, keys, streams, idsTwice: twice(ids), keysTwice: twice(keys) }
}

/** Deliveries whose stream does not hold exactly their events, in order: missing or torn. */
const notStoredWhole = (deliveries: readonly Delivery[], streams: Map<string, string[]>) =>
  deliveries.filter((d) => JSON.stringify(streams.get(d.deliveryId)) !== JSON.stringify(d.keys))

const deliver = (target: Pool | string, body: string) =>
  typeof target === 'string'
    ? request(`${target}/webhooks/gravityzone`, { method: 'POST', body, headers: pushHeaders(body) })
    : target.request({ method: 'POST', path: '/webhooks/gravityzone', body, headers: pushHeaders(body) })

/** Every fact of every delivery stream, through the restarted relay's API (NDJSON: no page limit). */
const auditOf = async (relay: RelayProcess): Promise<StoredFact[]> => {
  const res = await request(`${relay.url}/api/audit?stream=gzDelivery`, {
    headers: { ...auth(tokens.reader), accept: 'application/x-ndjson' }
  })
  const text = await res.body.text()
  if (res.statusCode !== 200) throw new Error(`GET /api/audit answered ${res.statusCode}: ${text}`)
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as StoredFact)
}

t.test(
  'every push delivery answered 200 before a SIGKILL is in the store once after a restart, and re-deliveries append nothing',
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-webhook-crash-'))
    const path = join(dir, 'relay.db')
    const env = relayEnvironment(`sqlite:${path}`)
    const relays: RelayProcess[] = []
    t.teardown(async () => {
      for (const relay of relays) {
        relay.signal('SIGKILL')
        await relay.exited
      }
      rmSync(dir, { recursive: true, force: true })
    })

    // Given a relay process on a fresh SQLite file,
    const first = await startRelayProcess(env)
    relays.push(first)

    // when 48 senders push unique deliveries non-stop and the relay is SIGKILLed at the 500th 200,
    const acknowledged: Delivery[] = []
    const unanswered: Delivery[] = []
    const otherStatuses: number[] = []
    let inFlight = 0
    let inFlightAtKill = 0
    let killedAt = 0
    const kill = () => {
      inFlightAtKill = inFlight
      killedAt = performance.now()
      first.signal('SIGKILL')
    }
    const pool = new Pool(first.url, {
      connections: CONCURRENCY,
      pipelining: 1,
      headersTimeout: 20_000,
      bodyTimeout: 20_000
    })
    const startedAt = performance.now()
    const sender = async (worker: number) => {
      while (killedAt === 0 && first.running()) {
        const delivery = nextDelivery(worker)
        inFlight++
        try {
          const res = await deliver(pool, delivery.body)
          // The status line is only written after the append is durable: a 200 counts even if
          // the rest of the response died with the process.
          await res.body.dump().catch(() => undefined)
          if (res.statusCode !== 200) {
            otherStatuses.push(res.statusCode)
            unanswered.push(delivery)
            continue
          }
          acknowledged.push(delivery)
          if (acknowledged.length === ACKNOWLEDGED_BEFORE_KILL) kill()
        } catch {
          unanswered.push(delivery)
        } finally {
          inFlight--
        }
      }
    }
    const senders = Promise.all(Array.from({ length: CONCURRENCY }, (_, worker) => sender(worker)))
    await waitFor(() => killedAt > 0 || otherStatuses.length > 0 || !first.running(), {
      timeoutMs: 30_000,
      what: `${ACKNOWLEDGED_BEFORE_KILL} acknowledged deliveries`
    }).catch((error: Error) => {
      first.signal('SIGKILL')
      throw new Error(`${error.message} (got ${acknowledged.length})\n${first.output()}`)
    })
    t.ok(killedAt > 0, `the relay ran until the kill\n${first.running() ? '' : first.output()}`)
    t.same(otherStatuses, [], 'every answer before the kill was 200')
    t.equal((await first.exited).signal, 'SIGKILL', 'the relay died by SIGKILL')
    await waitFor(() => inFlight === 0, { timeoutMs: 20_000, what: 'the deliveries in flight at the kill to fail' })
    await senders
    await pool.destroy()
    const rate = Math.round(acknowledged.length / ((killedAt - startedAt) / 1000))
    t.ok(inFlightAtKill >= CONCURRENCY - 1, `the kill came mid-stream: ${inFlightAtKill} deliveries in flight`)
    t.comment(
      `${acknowledged.length} deliveries acknowledged (${acknowledged.reduce((n, d) => n + d.keys.length, 0)} events, ~${rate}/s) before the kill, ${unanswered.length} unanswered`
    )

    // When the relay restarts on the same file (its store recovers the WAL the kill left behind),
    const second = await startRelayProcess(env)
    relays.push(second)
    let ready = { status: 0, text: '' }
    await waitFor(
      async () => {
        const res = await request(`${second.url}/ready`)
        ready = { status: res.statusCode, text: await res.body.text() }
        return ready.status === 200
      },
      { timeoutMs: 20_000, intervalMs: 50, what: '/ready to answer 200' }
    ).catch((error: Error) => {
      throw new Error(`${error.message}; the last answer: ${ready.status} ${ready.text}\n${second.output()}`)
    })
    t.match(
      JSON.parse(ready.text),
      { status: 'ready', store: 'sqlite' },
      'the restarted relay is ready on the same store'
    )

    // then it holds each acknowledged delivery once, as the restarted relay reads it.
    const afterCrash = await auditOf(second)
    const crashed = census(afterCrash)
    t.same(
      notStoredWhole(acknowledged, crashed.streams).map((d) => d.deliveryId),
      [],
      `all ${acknowledged.length} acknowledged deliveries are stored whole`
    )
    t.same(crashed.idsTwice, [], 'no fact id is stored twice')
    t.same(crashed.keysTwice, [], 'no delivered event is stored twice')
    const sent = new Map([...acknowledged, ...unanswered].map((d) => [d.deliveryId, d]))
    const torn = [...crashed.streams].filter(
      ([delivery, keys]) => JSON.stringify(sent.get(delivery)?.keys) !== JSON.stringify(keys)
    )
    t.same(
      torn.map(([delivery]) => delivery),
      [],
      'every stored delivery is one the test sent, with all of its events (appends are atomic)'
    )
    const inFlightStored = unanswered.filter((d) => crashed.streams.has(d.deliveryId)).length
    t.comment(`${inFlightStored} of the ${unanswered.length} unanswered deliveries had been stored before the kill`)

    // and acknowledged deliveries (the last ones before the kill among them) and every unanswered one are sent again,
    const redelivered = [
      ...acknowledged.slice(0, REDELIVERED_ACKNOWLEDGED / 2),
      ...acknowledged.slice(-REDELIVERED_ACKNOWLEDGED / 2)
    ]
    const statuses = await Promise.all(
      [...redelivered, ...unanswered].map(async (d) => {
        const res = await deliver(second.url, d.body)
        await res.body.dump()
        return res.statusCode
      })
    )
    t.same([...new Set(statuses)], [200], `${statuses.length} re-deliveries answered 200`)

    // then the re-sent acknowledged ones added nothing, the unanswered ones are there now, each once.
    const afterRedelivery = await auditOf(second)
    const redeliveredCensus = census(afterRedelivery)
    t.same(redeliveredCensus.idsTwice, [], 'still no fact id stored twice')
    t.same(redeliveredCensus.keysTwice, [], 'still no delivered event stored twice')
    t.same(
      notStoredWhole([...acknowledged, ...unanswered], redeliveredCensus.streams).map((d) => d.deliveryId),
      [],
      'every delivery sent is stored whole'
    )
    const expectedFacts =
      afterCrash.length +
      unanswered.filter((d) => !crashed.streams.has(d.deliveryId)).reduce((n, d) => n + d.keys.length, 0)
    t.equal(afterRedelivery.length, expectedFacts, 'the re-delivered acknowledged deliveries appended nothing')
    t.ok(
      [...crashed.ids.keys()].every((id) => redeliveredCensus.ids.has(id)),
      'the facts from before the crash keep their ids'
    )

    // And the file is healthy once the restarted relay has shut down gracefully.
    second.signal('SIGTERM')
    await waitFor(() => !second.running(), { timeoutMs: 20_000, what: 'the restarted relay to stop on SIGTERM' })
    t.same(await second.exited, { code: 0, signal: null }, 'the restarted relay shuts down cleanly on SIGTERM')
    const store = await openEventStore(`sqlite:${path}`)
    const reopened = await store.readAll({
      filter: { streamPrefixes: ['gzDelivery-'] },
      maxCount: Number.MAX_SAFE_INTEGER
    })
    await store.close()
    t.same(
      reopened.map((f) => f.id).sort(),
      [...redeliveredCensus.ids.keys()].sort(),
      'the store opened directly holds the same delivery facts the relay served'
    )
    const db = new Database(path, { readonly: true })
    t.teardown(() => db.close())
    t.equal(db.pragma('integrity_check', { simple: true }), 'ok', 'SQLite integrity check')
  }
)
