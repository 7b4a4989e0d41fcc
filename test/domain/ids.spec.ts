import t from 'tap'
import { deterministicId, newId } from '../../src/domain/ids.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

t.test('new ids are UUID v7, unique, and sort in the order they were made', async (t) => {
  const ids = Array.from({ length: 20_000 }, () => newId())
  t.ok(
    ids.every((id) => UUID.test(id) && id[14] === '7'),
    'version 7, RFC variant'
  )
  t.equal(new Set(ids).size, ids.length, 'no duplicates')
  t.same([...ids].sort(), ids, 'lexical order is creation order, even within one millisecond')
  const ms = parseInt(ids[0]!.replace(/-/g, '').slice(0, 12), 16)
  t.ok(Math.abs(ms - Date.now()) < 5_000, 'the first 48 bits are the creation time in ms')
})

t.test('deterministic ids depend only on their parts', async (t) => {
  t.equal(deterministicId('delivery', 'abc', '0'), deterministicId('delivery', 'abc', '0'))
  t.not(deterministicId('delivery', 'abc', '0'), deterministicId('delivery', 'abc', '1'))
  t.not(deterministicId('ab', 'c'), deterministicId('a', 'bc'), 'parts are separated, not concatenated')
  t.ok(UUID.test(deterministicId('x')) && deterministicId('x')[14] === '8', 'version 8 (custom), RFC variant')
})

t.test(
  'deterministic ids never change between releases: a re-delivery after an upgrade must map to the same facts',
  async (t) => {
    // Values issued by the first release (an incremental SHA-256 over each part and a NUL).
    t.equal(deterministicId('delivery', 'abc', '0'), '61f3769b-183f-8979-be2e-9a0370b54a5c')
    t.equal(deterministicId('é', 'ü'), 'eec5b163-99a5-8ef9-bf73-226a22df3845', 'text parts as UTF-8')
    t.equal(
      deterministicId('gzDelivery', Buffer.from('é\u0000x')),
      'bb9f2fc1-0b37-8f20-a2c8-ceecb85d3a02',
      'byte parts as they are'
    )
    const { deterministicTimedId } = await import('../../src/domain/ids.js')
    t.equal(deterministicTimedId(1720773248505, 'gzDelivery', 'body-hash'), '0190a614-05f9-89fa-8a3f-8153c0550fe1')
  }
)

t.test('timed deterministic ids keep the delivery time in front and the hash behind', async (t) => {
  const { deterministicTimedId } = await import('../../src/domain/ids.js')
  const a = deterministicTimedId(1720773248505, 'body', '0')
  t.equal(a, deterministicTimedId(1720773248505, 'body', '0'), 'same delivery, same id')
  t.not(a, deterministicTimedId(1720773248505, 'body', '1'))
  t.equal(parseInt(a.replace(/-/g, '').slice(0, 12), 16), 1720773248505)
  t.ok(a < deterministicTimedId(1720773248506, 'other', '0'), 'a later delivery sorts after')
  t.equal(
    deterministicTimedId(150537, 'body', '0'),
    deterministicId('body', '0'),
    'an id that is not an epoch time falls back to the plain hash'
  )
  t.ok(UUID.test(a))
})

t.test('indexed ids: one family per base, distinct members, valid UUIDs, base time kept', async (t) => {
  const { deterministicTimedId, indexedId } = await import('../../src/domain/ids.js')
  const base = deterministicTimedId(1720773248505, 'gzDelivery', 'body-hash')
  const family = Array.from({ length: 5_000 }, (_, i) => indexedId(base, i))
  t.equal(family[0], base, 'member 0 is the base itself')
  t.equal(new Set(family).size, family.length, 'members differ')
  t.ok(
    family.every((id) => UUID.test(id) && id.slice(0, 23) === base.slice(0, 23)),
    'valid UUIDs sharing the time prefix and version'
  )
  t.equal(indexedId(base, 7), indexedId(base, 7), 'deterministic')
  const other = deterministicTimedId(1720773248505, 'gzDelivery', 'other-body')
  t.equal(
    family.filter((id) => Array.from({ length: 50 }, (_, i) => indexedId(other, i)).includes(id)).length,
    0,
    'another base, another family'
  )
  t.throws(() => indexedId(base, -1), RangeError)
})

t.test('canonical JSON: key order never matters, values do', async (t) => {
  const { canonicalJson } = await import('../../src/platforms/gravityzone/pushEvents.js')
  t.equal(canonicalJson({ b: 1, a: [{ d: null, c: 'x' }, 2] }), '{"a":[{"c":"x","d":null},2],"b":1}')
  t.equal(canonicalJson({ a: 1, b: 2 }), canonicalJson({ b: 2, a: 1 }))
  t.equal(
    canonicalJson({ a: undefined, b: [undefined] }),
    '{"b":[null]}',
    'undefined members left out, as JSON.stringify does'
  )
  t.equal(canonicalJson('é"\n'), JSON.stringify('é"\n'))
  t.not(canonicalJson({ a: '1' }), canonicalJson({ a: 1 }))
})

t.test('canonical JSON keeps a "__proto__" key that JSON.parse made an own property', async (t) => {
  const { canonicalJson } = await import('../../src/platforms/gravityzone/pushEvents.js')
  const parsed = JSON.parse('{"b":1,"__proto__":{"x":2}}') as unknown
  t.equal(canonicalJson(parsed), '{"__proto__":{"x":2},"b":1}')
  t.not(canonicalJson(parsed), canonicalJson({ b: 1 }))
})
