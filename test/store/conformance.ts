import type { Test } from 'tap'
import { JsonText, type EventStore, type StoredFact, type Subscription } from '../../src/store/port.js'
import { isStoreError, isStreamNotFound, isWrongExpectedVersion } from '../../src/store/errors.js'
import { fact, uniquePrefix, waitFor } from '../support/storeFacts.js'

export type StoreUnderTest = {
  store: EventStore
  /** Optional: cut the connection under a live subscription (the adapter must resubscribe). */
  dropConnections?: () => Promise<void> | void
  cleanup?: () => Promise<void> | void
}

/**
 * The behaviour every EventStore adapter must have. Tests never assume an empty store (a real
 * EventStoreDB server is shared): each works under its own stream prefix and filters by it.
 */
export const storeConformance = (t: Test, open: () => Promise<StoreUnderTest>): void => {
  const withStore = (name: string, body: (t: Test, sut: StoreUnderTest, prefix: string) => Promise<void>) =>
    t.test(name, async (t) => {
      const sut = await open()
      t.teardown(async () => {
        await sut.store.close()
        await sut.cleanup?.()
      })
      await body(t, sut, uniquePrefix())
    })

  withStore(
    'keeps data given as JSON text (JsonText) as the value it holds, beside ordinary data',
    async (t, { store }, p) => {
      const text = fact('SecurityEventReceived', new JsonText('{"index":0,"event":{"a":1,"nested":[true,null,"x"]}}'))
      const plain = fact('MappingCreated', { mappingId: 'm1' })
      await store.append(`${p}json`, [text, plain], { expectedRevision: 'no_stream' })
      const read = await store.readStream(`${p}json`)
      t.strictSame(
        read.map((f) => f.data),
        [{ index: 0, event: { a: 1, nested: [true, null, 'x'] } }, { mappingId: 'm1' }]
      )
      t.notOk(read[0]!.data instanceof JsonText, 'a reader gets the value, never the wrapper')
    }
  )

  withStore('appends to a new stream with no_stream and reads the facts back intact', async (t, { store }, p) => {
    const first = fact('MappingCreated', { mappingId: 'm1', nested: { list: [1, 'two', null], flag: true } })
    const result = await store.append(`${p}1`, [first, fact('MappingUpdated', { n: 2 })], {
      expectedRevision: 'no_stream'
    })
    t.equal(result.nextRevision, 1n)
    t.equal(typeof result.position, 'bigint')
    const read = await store.readStream(`${p}1`)
    t.equal(read.length, 2)
    t.equal(read[0]!.id, first.id)
    t.equal(read[0]!.type, 'MappingCreated')
    t.same(read[0]!.data, first.data)
    t.same(read[0]!.metadata, first.metadata)
    t.equal(read[0]!.revision, 0n)
    t.equal(read[1]!.revision, 1n)
    t.ok(read[0]!.position < read[1]!.position, 'positions grow within an append')
    t.equal(read[1]!.position, result.position, 'the append reports the position of its last fact')
    t.ok(read[0]!.recordedAt instanceof Date && !Number.isNaN(read[0]!.recordedAt.getTime()))
  })

  withStore('enforces every expected-revision mode', async (t, { store }, p) => {
    const s = `${p}rev`
    await t.rejects(store.append(s, [fact('A')], { expectedRevision: 'stream_exists' }), {
      code: 'wrong_expected_version',
      actual: 'no_stream'
    })
    await t.rejects(store.append(s, [fact('A')], { expectedRevision: 0n }), { code: 'wrong_expected_version' })
    await store.append(s, [fact('A')], { expectedRevision: 'no_stream' })
    const noStream = await store.append(s, [fact('B')], { expectedRevision: 'no_stream' }).catch((e: unknown) => e)
    t.ok(isWrongExpectedVersion(noStream), 'no_stream on an existing stream is refused')
    t.match(noStream, { stream: s, expected: 'no_stream', actual: 0n })
    t.equal((await store.append(s, [fact('B')], { expectedRevision: 0n })).nextRevision, 1n)
    const stale = await store.append(s, [fact('C')], { expectedRevision: 0n }).catch((e: unknown) => e)
    t.match(stale, { code: 'wrong_expected_version', expected: 0n, actual: 1n })
    t.equal((await store.append(s, [fact('C')], { expectedRevision: 'stream_exists' })).nextRevision, 2n)
    t.equal((await store.append(s, [fact('D')], { expectedRevision: 'any' })).nextRevision, 3n)
    t.equal((await store.append(s, [fact('E')])).nextRevision, 4n, 'any is the default')
    t.equal((await store.readStream(s)).length, 5, 'refused appends wrote nothing')
  })

  withStore(
    're-appending the same fact ids at the same expected revision is an idempotent success',
    async (t, { store }, p) => {
      const s = `${p}idem`
      const facts = [fact('A', { n: 1 }), fact('B', { n: 2 })]
      const first = await store.append(s, facts, { expectedRevision: 'no_stream' })
      const again = await store.append(s, facts, { expectedRevision: 'no_stream' })
      t.same(again, first, 'the repeat reports the original result')
      const next = [fact('C')]
      const third = await store.append(s, next, { expectedRevision: 1n })
      t.same(await store.append(s, next, { expectedRevision: 1n }), third)
      t.equal((await store.readStream(s)).length, 3, 'nothing was written twice')
      const head = await store.headPosition()
      t.equal(head >= third.position, true)
    }
  )

  withStore('concurrent appends with the same expected revision: exactly one wins', async (t, { store }, p) => {
    const s = `${p}race`
    await store.append(s, [fact('Created')], { expectedRevision: 'no_stream' })
    const attempts = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => store.append(s, [fact('Acted', { i })], { expectedRevision: 0n }))
    )
    const won = attempts.filter((a) => a.status === 'fulfilled')
    const lost = attempts.filter((a): a is PromiseRejectedResult => a.status === 'rejected')
    t.equal(won.length, 1)
    t.equal(lost.length, 19)
    t.ok(
      lost.every((a) => isWrongExpectedVersion(a.reason)),
      'the others get WrongExpectedVersion'
    )
    t.equal((await store.readStream(s)).length, 2)
  })

  withStore('a failing append fails alone among concurrent ones', async (t, { store }, p) => {
    const results = await Promise.allSettled([
      store.append(`${p}a`, [fact('A')], { expectedRevision: 'no_stream' }),
      store.append(`${p}b`, [fact('B')], { expectedRevision: 5n }),
      store.append(`${p}c`, [fact('C')], { expectedRevision: 'no_stream' }),
      store.append(`${p}d`, [fact('D', { circular: undefined }), fact('D2')], { expectedRevision: 'stream_exists' })
    ])
    t.same(
      results.map((r) => r.status),
      ['fulfilled', 'rejected', 'fulfilled', 'rejected']
    )
    t.equal((await store.readStream(`${p}a`)).length, 1)
    t.equal((await store.readStream(`${p}c`)).length, 1)
    await t.rejects(store.readStream(`${p}b`), { code: 'stream_not_found' })
  })

  withStore('keeps one global order and contiguous revisions under concurrent appends', async (t, { store }, p) => {
    const streams = Array.from({ length: 8 }, (_, i) => `${p}order${i}`)
    await Promise.all(
      streams.flatMap((s) => Array.from({ length: 25 }, (_, i) => store.append(s, [fact('Tick', { i })])))
    )
    const all = await store.readAll({ filter: { streamPrefixes: [`${p}order`] } })
    t.equal(all.length, 200)
    for (let i = 1; i < all.length; i++)
      if (all[i]!.position <= all[i - 1]!.position) t.fail('positions must strictly increase')
    for (const s of streams) {
      const revisions = all.filter((f) => f.stream === s).map((f) => f.revision)
      t.same(
        revisions,
        Array.from({ length: 25 }, (_, i) => BigInt(i)),
        `${s} has revisions 0..24 in global order`
      )
    }
  })

  withStore('reads a stream forwards, backwards, from a revision and with a max count', async (t, { store }, p) => {
    const s = `${p}read`
    await store.append(
      s,
      Array.from({ length: 10 }, (_, i) => fact('N', { i }))
    )
    const data = (facts: StoredFact[]) => facts.map((f) => (f.data as { i: number }).i)
    t.same(data(await store.readStream(s)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    t.same(data(await store.readStream(s, { fromRevision: 7n })), [7, 8, 9])
    t.same(data(await store.readStream(s, { maxCount: 3 })), [0, 1, 2])
    t.same(data(await store.readStream(s, { direction: 'backwards', maxCount: 3 })), [9, 8, 7])
    t.same(data(await store.readStream(s, { direction: 'backwards', fromRevision: 4n })), [4, 3, 2, 1, 0])
    t.same(
      data(await store.readStream(s, { fromRevision: 10n })),
      [],
      'past the end of an existing stream is empty, not missing'
    )
    const missing = await store.readStream(`${p}nothing`).catch((e: unknown) => e)
    t.ok(isStreamNotFound(missing), 'a missing stream is StreamNotFound')
    t.match(missing, { stream: `${p}nothing` })
  })

  withStore(
    'reads all facts with positions, directions and filters by stream prefix and type',
    async (t, { store }, p) => {
      await store.append(`${p}x-1`, [fact('Keep', { n: 1 }), fact('Drop', { n: 2 })])
      await store.append(`${p}y-1`, [fact('Keep', { n: 3 })])
      await store.append(`${p}x-2`, [fact('Keep', { n: 4 })])
      const ns = (facts: StoredFact[]) => facts.map((f) => (f.data as { n: number }).n)
      const mine = await store.readAll({ filter: { streamPrefixes: [p] } })
      t.same(ns(mine), [1, 2, 3, 4])
      t.same(ns(await store.readAll({ filter: { streamPrefixes: [`${p}x-`] } })), [1, 2, 4])
      t.same(ns(await store.readAll({ filter: { streamPrefixes: [`${p}x-`, `${p}y-`], types: ['Keep'] } })), [1, 3, 4])
      t.same(ns(await store.readAll({ filter: { streamPrefixes: [p], types: ['Drop'] } })), [2])
      t.same(
        ns(await store.readAll({ fromPosition: mine[2]!.position, filter: { streamPrefixes: [p] } })),
        [3, 4],
        'forwards from a position is inclusive'
      )
      t.same(
        ns(
          await store.readAll({
            fromPosition: mine[2]!.position,
            direction: 'backwards',
            filter: { streamPrefixes: [p] }
          })
        ),
        [2, 1],
        'backwards from a position is exclusive'
      )
      t.same(ns(await store.readAll({ direction: 'backwards', maxCount: 2, filter: { streamPrefixes: [p] } })), [4, 3])
      t.same(
        ns(await store.readAll({ maxCount: 1, fromPosition: mine[1]!.position, filter: { streamPrefixes: [p] } })),
        [2]
      )
      t.same(
        ns(await store.readAll({ filter: { streamPrefixes: [`${p.toUpperCase()}`] } })).length === 0 ||
          p === p.toUpperCase(),
        true,
        'prefixes are case-sensitive'
      )
    }
  )

  withStore(
    'a subscription catches up, then goes live with no gap and no duplicate while appends race it',
    async (t, { store }, p) => {
      const filter = { streamPrefixes: [`${p}sub-`] }
      const before = 150
      const during = 250
      for (let i = 0; i < before; i += 10)
        await store.append(
          `${p}sub-${i % 3}`,
          Array.from({ length: 10 }, (_, k) => fact('Before', { n: i + k }))
        )
      await store.append(`${p}other`, [fact('Noise')])
      const subscription = store.subscribeToAll({ from: 'start', filter })
      const seen: number[] = []
      const consumed = (async () => {
        for await (const f of subscription) {
          seen.push((f.data as { n: number }).n)
          if (seen.length === before + during) break
        }
      })()
      // Race the catch-up: concurrent single appends to several streams, plus noise.
      await Promise.all(
        Array.from({ length: during }, (_, i) =>
          store
            .append(`${p}sub-${i % 5}`, [fact('During', { n: before + i })])
            .then(() => (i % 50 === 0 ? store.append(`${p}other`, [fact('Noise')]) : undefined))
        )
      )
      await consumed
      await subscription.unsubscribe()
      t.equal(seen.length, before + during)
      t.equal(new Set(seen).size, before + during, 'no duplicate')
      const stored = await store.readAll({ filter })
      t.same(
        seen,
        stored.map((f) => (f.data as { n: number }).n),
        'delivered in global order, exactly what is stored'
      )
    }
  )

  withStore(
    'a subscription from a position is exclusive; from end delivers only new facts',
    async (t, { store }, p) => {
      const filter = { streamPrefixes: [p] }
      await store.append(`${p}a`, [fact('One', { n: 1 }), fact('Two', { n: 2 }), fact('Three', { n: 3 })])
      const stored = await store.readAll({ filter })
      const take = (sub: Subscription, n: number) =>
        (async () => {
          const out: number[] = []
          for await (const f of sub) {
            out.push((f.data as { n: number }).n)
            if (out.length === n) break
          }
          await sub.unsubscribe()
          return out
        })()
      const fromSecond = store.subscribeToAll({ from: stored[1]!.position, filter })
      const fromEnd = store.subscribeToAll({ from: 'end', filter })
      const second = take(fromSecond, 2)
      const end = take(fromEnd, 1)
      // An adapter may register `end` asynchronously (a server round trip): wait until it is live.
      await Promise.all([fromSecond.caughtUp, fromEnd.caughtUp])
      await store.append(`${p}a`, [fact('Four', { n: 4 })])
      t.same(await second, [3, 4])
      t.same(await end, [4])
    }
  )

  withStore('a subscription filtered by type skips other types', async (t, { store }, p) => {
    const sub = store.subscribeToAll({ from: 'start', filter: { streamPrefixes: [p], types: ['Wanted'] } })
    await store.append(`${p}t`, [
      fact('Unwanted'),
      fact('Wanted', { n: 1 }),
      fact('Unwanted'),
      fact('Wanted', { n: 2 })
    ])
    const out: number[] = []
    for await (const f of sub) {
      out.push((f.data as { n: number }).n)
      if (out.length === 2) break
    }
    await sub.unsubscribe()
    t.same(out, [1, 2])
  })

  withStore(
    'an unread hint may leave the named fields out of the data it delivers, and nothing else',
    async (t, { store }, p) => {
      // Nested deeper than SQLite's JSON functions go: still delivered, whole.
      const deep = JSON.parse('['.repeat(1_500) + ']'.repeat(1_500)) as unknown
      const written = [
        fact('Arrived', { key: 'k1', event: { payload: 'x'.repeat(2_000) }, nested: { event: 1 } }),
        fact('Other', { key: 'k2', event: 'kept' }),
        fact('Arrived', { key: 'k3', event: deep })
      ]
      await store.append(`${p}u`, written)
      const sub = store.subscribeToAll({
        from: 'start',
        filter: { streamPrefixes: [p] },
        bodiesFor: ['Arrived', 'Other'],
        unread: { Arrived: ['event'], "Other'; DROP TABLE facts; --": ['event'] }
      })
      const got: StoredFact[] = []
      for await (const f of sub) {
        got.push(f)
        if (got.length === written.length) break
      }
      await sub.unsubscribe()
      const [arrived, other, deeper] = got.map((f) => f.data as Record<string, unknown>)
      t.equal(JSON.stringify(deeper), JSON.stringify(written[2]!.data), 'data too deep for SQLite is delivered whole')
      const { event: _, ...withoutEvent } = written[0]!.data as Record<string, unknown>
      if (store.kind === 'sqlite') t.same(arrived, withoutEvent, 'SQLite leaves the field out')
      else t.ok([JSON.stringify(written[0]!.data), JSON.stringify(withoutEvent)].includes(JSON.stringify(arrived)))
      t.same(other, written[1]!.data, 'another type keeps every field (and an odd type name is ignored)')
      t.equal(
        JSON.stringify((await store.readAll({ filter: { streamPrefixes: [p] } })).map((f) => f.data)),
        JSON.stringify(written.map((f) => f.data)),
        'a read without the hint has every field'
      )
    }
  )

  withStore(
    'a body hint (bodiesFor) still delivers every fact, and every body stays readable',
    async (t, { store }, p) => {
      const written = [
        fact('Read', { n: 1 }),
        fact('Skipped', { n: 2, big: 'x'.repeat(5_000) }),
        fact('Read', { n: 3 }),
        fact('Skipped', { n: 4 })
      ]
      await store.append(`${p}b`, written)
      const sub = store.subscribeToAll({ from: 'start', filter: { streamPrefixes: [p] }, bodiesFor: ['Read'] })
      const got: StoredFact[] = []
      for await (const f of sub) {
        got.push(f)
        if (got.length === written.length) break
      }
      await sub.unsubscribe()
      t.same(
        got.map((f) => f.type),
        ['Read', 'Skipped', 'Read', 'Skipped'],
        'facts of every type, in order'
      )
      t.same(
        got.map((f) => f.id),
        written.map((f) => f.id)
      )
      t.same(
        got.map((f) => f.data),
        written.map((f) => f.data),
        'the bodies of hinted-out types load on access'
      )
      t.same(
        got.map((f) => f.metadata),
        written.map((f) => f.metadata)
      )
    }
  )

  withStore('unsubscribe ends an idle iteration', async (t, { store }, p) => {
    const sub = store.subscribeToAll({ from: 'end', filter: { streamPrefixes: [p] } })
    const ended = (async () => {
      let n = 0
      for await (const _ of sub) n++
      return n
    })()
    await sub.caughtUp
    await sub.unsubscribe()
    t.equal(await ended, 0)
  })

  withStore(
    'a live subscription survives dropped connections while appends continue: no fact lost or repeated',
    async (t, sut, p) => {
      const { store, dropConnections } = sut
      if (!dropConnections) {
        t.plan(0, 'this adapter has no connection to drop (StoreUnderTest.dropConnections is not provided)')
        return
      }
      const filter = { streamPrefixes: [`${p}live-`] }
      const total = 240
      const writers = 8
      const sub = store.subscribeToAll({ from: 'start', filter })
      const seen: string[] = []
      const consumed = (async () => {
        for await (const f of sub) seen.push(f.id)
      })()
      await sub.caughtUp
      // Each fact gets its own stream appended with no_stream, so an append whose answer was lost in
      // a drop can be retried with the same fact: it is then an idempotent repeat, never a copy.
      const appendSurely = async (stream: string, f: ReturnType<typeof fact>) => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await store.append(stream, [f], { expectedRevision: 'no_stream' })
          } catch (error) {
            const permanent = isStoreError(error) && error.code !== 'store_unavailable'
            if (permanent || attempt === 40) throw error
            await new Promise((resolve) => setTimeout(resolve, 5 * attempt))
          }
        }
      }
      let appended = 0
      const drops: Promise<void>[] = []
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          for (let i = w; i < total; i += writers) {
            await appendSurely(`${p}live-${i}`, fact('Live', { i }))
            // Cut the connection three times while the writers keep going.
            if (++appended % 60 === 0 && drops.length < 3) drops.push(Promise.resolve(dropConnections()))
          }
        })
      )
      await Promise.all(drops)
      t.equal(drops.length, 3, 'the connection was dropped three times during the appends')
      // A last fact after everything: once it arrives, any late duplicate would have arrived too.
      const last = fact('Live', { i: total })
      await appendSurely(`${p}live-last`, last)
      await waitFor(() => seen.includes(last.id), { what: 'the last fact to be delivered' })
      await sub.unsubscribe()
      await consumed
      const stored = (await store.readAll({ filter })).map((f) => f.id)
      t.equal(stored.length, total + 1, 'every append is stored once')
      t.equal(new Set(seen).size, seen.length, 'no fact delivered twice')
      t.same(seen, stored, 'every stored fact delivered, in global order')
    }
  )

  withStore('stores large payloads and unicode stream names', async (t, { store }, p) => {
    const big = { blob: 'x'.repeat(512 * 1024), list: Array.from({ length: 2000 }, (_, i) => ({ i, s: `é${i}` })) }
    await store.append(`${p}big`, [fact('Big', big)])
    t.same((await store.readStream(`${p}big`))[0]!.data, big)
    const unicode = `${p}Ünïcødé-客户-😀`
    await store.append(unicode, [fact('Named', { s: 'ok' })], { expectedRevision: 'no_stream' })
    const read = await store.readStream(unicode)
    t.equal(read[0]!.stream, unicode)
    const filtered = await store.readAll({ filter: { streamPrefixes: [`${p}Ünïcødé-`] } })
    t.same(
      filtered.map((f) => f.stream),
      [unicode]
    )
  })

  withStore('rejects malformed appends without writing', async (t, { store }, p) => {
    await t.rejects(store.append(`${p}bad`, []), { code: 'invalid_append' })
    await t.rejects(store.append(`${p}bad`, [{ ...fact('A'), id: 'not-a-uuid' }]), { code: 'invalid_append' })
    const f = fact('A')
    await t.rejects(store.append(`${p}bad`, [f, f]), { code: 'invalid_append' })
    await t.rejects(store.readStream(`${p}bad`), { code: 'stream_not_found' })
  })

  withStore(
    'findFacts filters by stream, category, type, mapping and recorded time, in global order',
    async (t, { store }, p) => {
      const after = await store.headPosition()
      const m = `${p}mapping`
      await store.append(`${p}a-1`, [fact('MappingCreated', { mappingId: m }), fact('Noise', { mappingId: 'other' })])
      await store.append(`${p}b-1`, [fact('CompanyNotFound', { mappingId: m, nested: { mappingId: 'x' } })])
      await store.append(`${p}a-2`, [fact('Noise', [1, 2]), fact('MappingDeleted', { mappingId: m })])
      await store.append(`${p}c-1`, [fact('Pushed', new JsonText(`{"mappingId":"${m}","n":1}`))])
      const find = async (q: Partial<Parameters<typeof store.findFacts>[0]>) => {
        const found = await store.findFacts({ after, limit: 100, maxScan: 10_000, streamPrefixes: [p], ...q })
        t.ok(found.atEnd, 'a small query reaches the end')
        return found.facts.map((f) => `${f.stream}:${f.type}`)
      }
      t.same(await find({}), [
        `${p}a-1:MappingCreated`,
        `${p}a-1:Noise`,
        `${p}b-1:CompanyNotFound`,
        `${p}a-2:Noise`,
        `${p}a-2:MappingDeleted`,
        `${p}c-1:Pushed`
      ])
      t.same(
        await find({ mappingId: m }),
        [`${p}a-1:MappingCreated`, `${p}b-1:CompanyNotFound`, `${p}a-2:MappingDeleted`, `${p}c-1:Pushed`],
        'the mapping at the top of the data, JSON text included, never a nested one'
      )
      t.same(await find({ stream: `${p}a-2` }), [`${p}a-2:Noise`, `${p}a-2:MappingDeleted`])
      t.same(await find({ streamPrefixes: [`${p}a-`] }), [
        `${p}a-1:MappingCreated`,
        `${p}a-1:Noise`,
        `${p}a-2:Noise`,
        `${p}a-2:MappingDeleted`
      ])
      t.same(await find({ types: ['MappingDeleted', 'CompanyNotFound'] }), [
        `${p}b-1:CompanyNotFound`,
        `${p}a-2:MappingDeleted`
      ])
      t.same(await find({ mappingId: m, types: ['Noise'] }), [])
      t.same(await find({ recordedFrom: Date.now() + 3_600_000 }), [], 'nothing recorded in the future')
      t.equal((await find({ recordedTo: Date.now() + 3_600_000, recordedFrom: 0 })).length, 6)
      const firstTwo = await store.findFacts({ after, limit: 2, maxScan: 10_000, streamPrefixes: [p] })
      t.equal(firstTwo.facts.length, 2)
      t.equal(firstTwo.scannedTo, firstTwo.facts[1]!.position, 'a full page stops at its last fact')
      t.notOk(firstTwo.atEnd)
    }
  )

  withStore(
    'findFacts looks at a bounded number of facts and continues from where it stopped, losing and repeating nothing',
    async (t, { store }, p) => {
      const after = await store.headPosition()
      for (let i = 0; i < 6; i++)
        await store.append(
          `${p}noise-${i}`,
          Array.from({ length: 10 }, () => fact('Noise'))
        )
      await store.append(`${p}wanted-1`, [fact('Wanted', { mappingId: `${p}m` })])
      await store.append(`${p}noise-last`, [fact('Noise')])
      for (const q of [{ types: ['Wanted'] }, { mappingId: `${p}m` }, { stream: `${p}wanted-1` }]) {
        let cursor = after
        const found: string[] = []
        let calls = 0
        for (;;) {
          calls++
          const page = await store.findFacts({ after: cursor, limit: 5, maxScan: 16, streamPrefixes: [p], ...q })
          t.ok(page.scannedTo >= cursor, 'the cursor never goes back')
          found.push(...page.facts.map((f) => f.type))
          if (page.atEnd) break
          cursor = page.scannedTo
          if (calls > 100) throw new Error('findFacts did not reach the end')
        }
        t.same(found, ['Wanted'], JSON.stringify(q))
        if ('types' in q) t.ok(calls >= 4, `a scan of 62 facts, 16 at a time, takes several calls (${calls})`)
      }
      const head = await store.headPosition()
      const end = await store.findFacts({ after: head, limit: 5, maxScan: 16, streamPrefixes: [p] })
      t.same(end.facts, [])
      t.ok(end.atEnd)
      t.equal(end.scannedTo, head)
    }
  )

  t.test('close waits for appends in flight, then refuses work and ends subscriptions', async (t) => {
    const sut = await open()
    const { store } = sut
    t.teardown(async () => sut.cleanup?.())
    const p = uniquePrefix()
    const sub = store.subscribeToAll({ from: 'end', filter: { streamPrefixes: [p] } })
    const ended = (async () => {
      for await (const _ of sub) {
        /* drain */
      }
      return 'ended'
    })()
    await sub.caughtUp
    const inFlight = Array.from({ length: 20 }, (_, i) => store.append(`${p}c${i}`, [fact('A')]))
    await store.close()
    const settled = await Promise.allSettled(inFlight)
    t.ok(
      settled.every((s) => s.status === 'fulfilled'),
      'appends made before close complete'
    )
    t.equal(await ended, 'ended', 'subscriptions end')
    const after = await store.append(`${p}late`, [fact('A')]).catch((e: unknown) => e)
    t.ok(isStoreError(after) && after.code === 'store_closed', 'appends after close are refused')
    await store.close()
    t.pass('close is idempotent')
  })
}
