import t, { type Test } from 'tap'
import { openEventStoreDbStore } from '../../src/store/eventstoredb/eventStoreDbStore.js'
import type { EventStore, StoredFact, Subscription } from '../../src/store/port.js'
import {
  startEsdbStandIn,
  type EsdbStandIn,
  type EsdbStandInOptions,
  type LogRecord
} from '../support/esdbStandIn/index.js'
import { fact, uniquePrefix, waitFor } from '../support/storeFacts.js'

type Options = EsdbStandInOptions & {
  resubscribe?: { minMs?: number; maxMs?: number; attempts?: number }
  connectionString?: (port: number) => string
}

/** A stand-in and a store on it, both gone at the end of the test. */
const setUp = async (t: Test, options: Options = {}): Promise<{ standIn: EsdbStandIn; store: EventStore }> => {
  const standIn = await startEsdbStandIn(options)
  const connectionString = options.connectionString?.(standIn.port) ?? standIn.url
  const store = openEventStoreDbStore({
    connectionString,
    resubscribe: { minMs: 10, maxMs: 100, ...options.resubscribe }
  })
  t.teardown(async () => {
    await store.close()
    await standIn.stop()
  })
  return { standIn, store }
}

const take = async (sub: Subscription, n: number): Promise<StoredFact[]> => {
  const out: StoredFact[] = []
  for await (const f of sub) {
    out.push(f)
    if (out.length === n) break
  }
  return out
}

const isSystem = (r: LogRecord) => r.stream.startsWith('$') || r.type.startsWith('$')

t.test(
  'given system events between and after the facts, when reading, heading and subscribing, then only facts come back',
  async (t) => {
    const { standIn, store } = await setUp(t, { systemEventEvery: 1 })
    const p = uniquePrefix()
    for (let i = 0; i < 3; i++) await store.append(`${p}${i}`, [fact('Noted', { i })])
    const records = standIn.log.records()
    t.ok(records.filter(isSystem).length >= 8, 'the server holds system events')
    t.ok(isSystem(records.at(-1)!), 'a system event comes last in $all')
    const all = await store.readAll()
    t.same(
      all.map((f) => f.data),
      [{ i: 0 }, { i: 1 }, { i: 2 }],
      'readAll without a filter returns the facts alone'
    )
    t.equal(await store.headPosition(), all[2]!.position, 'the head is the newest fact, not the newest system event')
    t.same(
      await store.readAll({ filter: { types: ['PersistentConfig1', '$>'] } }),
      [],
      'a filter naming system types still finds nothing'
    )
    const sub = store.subscribeToAll({ from: 'start' })
    const delivered = take(sub, 4)
    await sub.caughtUp
    await store.append(`${p}3`, [fact('Noted', { i: 3 })])
    t.same(
      (await delivered).map((f) => f.data),
      [{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }],
      'the subscription skips system events, catching up and live'
    )
    await sub.unsubscribe()
  }
)

t.test(
  'given positions past 2^53, when facts are read back, then positions, revisions and recordedAt are exact',
  async (t) => {
    const created = Date.UTC(2026, 10, 2, 8, 33, 13, 123)
    const { standIn, store } = await setUp(t, { now: () => created })
    const p = uniquePrefix()
    const result = await store.append(`${p}1`, [fact('A'), fact('B')], { expectedRevision: 'no_stream' })
    const onServer = standIn.log.stream(`${p}1`)!
    t.ok(onServer[0]!.position > BigInt(Number.MAX_SAFE_INTEGER), 'the stand-in hands out unsafe-integer positions')
    t.ok(onServer[1]!.position - onServer[0]!.position > 1n, 'positions are gapped')
    const read = await store.readStream(`${p}1`)
    t.same(
      read.map((f) => f.position),
      onServer.map((r) => r.position)
    )
    t.equal(result.position, onServer[1]!.position)
    t.same(
      read.map((f) => f.revision),
      [0n, 1n]
    )
    t.equal(read[0]!.recordedAt.getTime(), created, "recordedAt is the server's created time")
    const sub = store.subscribeToAll({ from: read[0]!.position, filter: { streamPrefixes: [p] } })
    t.same(
      (await take(sub, 1)).map((f) => f.id),
      [read[1]!.id],
      'subscribing from an exact unsafe position is exclusive'
    )
    await sub.unsubscribe()
  }
)

t.test(
  'given open subscriptions, when they are unsubscribed and the store closed, then the server serves none',
  async (t) => {
    const { standIn, store } = await setUp(t)
    const subs = Array.from({ length: 3 }, () => store.subscribeToAll({ from: 'end' }))
    const ended = subs.map(async (s) => {
      for await (const _ of s) {
        /* idle */
      }
    })
    await Promise.all(subs.map((s) => s.caughtUp))
    t.equal(standIn.subscriptions(), 3)
    await subs[0]!.unsubscribe()
    await waitFor(() => standIn.subscriptions() === 2, { what: 'one subscription to end on the server' })
    await store.close()
    await Promise.all(ended)
    await waitFor(() => standIn.subscriptions() === 0, { what: 'every subscription to end on the server' })
    t.pass('no subscription left open')
  }
)

t.test(
  'given a subscription from end, when the connection drops before its first live fact, then facts appended meanwhile are delivered',
  async (t) => {
    // A long first pause: the appends below land while the subscription is still away.
    const { standIn, store } = await setUp(t, { resubscribe: { minMs: 300 } })
    const p = uniquePrefix()
    const sub = store.subscribeToAll({ from: 'end', filter: { streamPrefixes: [p] } })
    const delivered = take(sub, 2)
    await sub.caughtUp
    await standIn.dropConnections()
    // An expected revision makes the append safe to resend, so the adapter retries the one the drop failed.
    await store.append(`${p}1`, [fact('During', { n: 1 })], { expectedRevision: 'no_stream' })
    await store.append(`${p}2`, [fact('During', { n: 2 })], { expectedRevision: 'no_stream' })
    t.equal(standIn.subscriptionsServed(), 1, 'the appends landed before the resubscription')
    t.same(
      (await delivered).map((f) => f.data),
      [{ n: 1 }, { n: 2 }]
    )
    t.equal(standIn.subscriptionsServed(), 2, 'the adapter resubscribed once')
    await sub.unsubscribe()
  }
)

t.test(
  'given the server is gone for good, when the resubscription attempts run out, then iteration throws store_unavailable',
  async (t) => {
    const { standIn, store } = await setUp(t, { resubscribe: { minMs: 5, maxMs: 10, attempts: 3 } })
    const sub = store.subscribeToAll({ from: 'start' })
    const iteration = take(sub, 1)
    await sub.caughtUp
    await standIn.stop()
    await t.rejects(iteration, { code: 'store_unavailable' })
  }
)

t.test(
  'given a password in the connection string, when the server is down or the string is malformed, then errors never show it',
  async (t) => {
    const secret = 's3cr3t-pw'
    const { standIn, store } = await setUp(t, {
      connectionString: (port) => `esdb://admin:${secret}@127.0.0.1:${port}?tls=false`
    })
    await store.ping()
    t.pass('ping answers while the server is up')
    await standIn.stop()
    const append = await store.append(`${uniquePrefix()}x`, [fact('A')]).catch((e: unknown) => e as Error)
    t.match(append, { code: 'store_unavailable' })
    const ping = await store.ping().catch((e: unknown) => e as Error)
    t.match(ping, { code: 'store_unavailable' })
    const malformed = (() => {
      try {
        openEventStoreDbStore({ connectionString: `esdb://admin:${secret}@127.0.0.1:notaport?tls=false` })
      } catch (error) {
        return error as Error
      }
    })()
    t.match(malformed, { message: /not a valid EventStoreDB connection string/ })
    for (const error of [append, ping, malformed])
      t.notOk(`${String(error)} ${(error as Error).stack}`.includes(secret), 'the password is not in the error')
  }
)

t.test(
  'given an append larger than the server allows, when it is made, then it is refused as invalid_append and nothing is written',
  async (t) => {
    const { store } = await setUp(t, { maxAppendSize: 4096 })
    const s = `${uniquePrefix()}big`
    await t.rejects(store.append(s, [fact('Big', { blob: 'x'.repeat(8192) })]), {
      code: 'invalid_append',
      message: /maximum append size \(4096 bytes\)/
    })
    await t.rejects(
      store.append(s, [fact('Odd', { n: 1n })]),
      TypeError,
      'data that is not JSON is refused before sending, as with SQLite'
    )
    await t.rejects(store.readStream(s), { code: 'stream_not_found' })
  }
)

t.test(
  'given a server that answers an idempotent repeat without a position, when the append is repeated, then the original result comes back',
  async (t) => {
    const { store } = await setUp(t, { repeatPosition: 'none' })
    const s = `${uniquePrefix()}repeat`
    const facts = [fact('A'), fact('B')]
    const first = await store.append(s, facts, { expectedRevision: 'no_stream' })
    t.same(await store.append(s, facts, { expectedRevision: 'no_stream' }), first)
    t.equal((await store.readStream(s)).length, 2)
  }
)
