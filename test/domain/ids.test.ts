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
