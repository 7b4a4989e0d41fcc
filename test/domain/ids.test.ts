import t from 'tap'
import { deterministicId, newId } from '../../src/domain/ids.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

t.test('new ids are UUID v7, unique, and sort in the order they were made', async (t) => {
  const ids = Array.from({ length: 20_000 }, () => newId())
  t.ok(ids.every((id) => UUID.test(id) && id[14] === '7'), 'version 7, RFC variant')
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

t.test('timed deterministic ids keep the delivery time in front and the hash behind', async (t) => {
  const { deterministicTimedId } = await import('../../src/domain/ids.js')
  const a = deterministicTimedId(1720773248505, 'body', '0')
  t.equal(a, deterministicTimedId(1720773248505, 'body', '0'), 'same delivery, same id')
  t.not(a, deterministicTimedId(1720773248505, 'body', '1'))
  t.equal(parseInt(a.replace(/-/g, '').slice(0, 12), 16), 1720773248505)
  t.ok(a < deterministicTimedId(1720773248506, 'other', '0'), 'a later delivery sorts after')
  t.equal(deterministicTimedId(150537, 'body', '0'), deterministicId('body', '0'), 'an id that is not an epoch time falls back to the plain hash')
  t.ok(UUID.test(a))
})
