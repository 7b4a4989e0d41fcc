import t from 'tap'
import { auth, testApp } from '../support/app.js'
import { fact } from '../support/storeFacts.js'

// Given a store with facts of several streams and types, when the audit is asked for one stream,
// for facts before a position, or without some types, then it answers exactly those, in order.

const ctx = await testApp()
t.teardown(ctx.close)
for (let i = 0; i < 30; i++) {
  await ctx.relay.store.append(`alpha-${i % 3}`, [fact(i % 2 ? 'Odd' : 'Even', { i })])
  await ctx.relay.store.append('checkpoint-web', [fact('ProcessorCheckpointed', { processor: 'web', position: '1' })])
}
type Page = {
  items: { position: string; stream: string; type: string; data: { i?: number } }[]
  nextCursor: string | null
}
const audit = async (query: string) => {
  const res = await ctx.app.inject({ method: 'GET', url: `/api/audit?${query}`, headers: auth() })
  return { status: res.statusCode, body: res.json() as Page }
}

t.test('one stream is read by itself, in order, and pages with after like the rest', async (t) => {
  const all = (await audit('stream=alpha-1&limit=1000')).body.items
  t.same(
    all.map((f) => f.data.i),
    [1, 4, 7, 10, 13, 16, 19, 22, 25, 28]
  )
  const page = (await audit('stream=alpha-1&limit=4')).body
  t.same(
    page.items.map((f) => f.data.i),
    [1, 4, 7, 10]
  )
  t.same(
    (await audit(`stream=alpha-1&limit=4&after=${page.nextCursor}`)).body.items.map((f) => f.data.i),
    [13, 16, 19, 22]
  )
  t.same(
    (await audit('stream=alpha-1&type=Even&limit=1000')).body.items.map((f) => f.data.i),
    [4, 10, 16, 22, 28]
  )
  t.same((await audit('stream=nothing-here')).body, { items: [], nextCursor: null })
})

t.test('before stops the scan at a position, exclusive', async (t) => {
  const all = (await audit('type=Odd,Even&limit=1000')).body.items
  const tenth = all[9]!
  const before = (await audit(`type=Odd,Even&before=${tenth.position}&limit=1000`)).body
  t.same(
    before.items.map((f) => f.data.i),
    [0, 1, 2, 3, 4, 5, 6, 7, 8]
  )
  t.equal(before.nextCursor, null)
  t.same(
    (await audit(`type=Odd,Even&after=${all[2]!.position}&before=${tenth.position}`)).body.items.map((f) => f.data.i),
    [3, 4, 5, 6, 7, 8]
  )
  t.equal((await audit('before=soon')).status, 400)
})

t.test('excludeType leaves those types out and keeps paging right', async (t) => {
  const page = (await audit('excludeType=ProcessorCheckpointed,Odd&limit=5')).body
  t.same(
    page.items.map((f) => f.data.i),
    [0, 2, 4, 6, 8]
  )
  t.ok(page.nextCursor)
  t.notOk(
    (await audit('excludeType=ProcessorCheckpointed&limit=1000')).body.items.some(
      (f) => f.type === 'ProcessorCheckpointed'
    )
  )
})
