import t from 'tap'
import fc from 'fast-check'
import { MAX_JSON_DEPTH, exceedsDepth, jsonPreview, withoutBom } from '../../src/domain/jsonLimits.js'

const nestedArray = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth))
const nestedObject = (depth: number): unknown => JSON.parse('{"a":'.repeat(depth) + '1' + '}'.repeat(depth))

t.test('JSON.parse takes a body nested a million levels; JSON.stringify does not', async (t) => {
  const deep = nestedArray(1_000_000)
  t.ok(Array.isArray(deep), 'parsed')
  t.throws(() => JSON.stringify(deep), RangeError, 'which is why nothing on the push path may recurse over it')
})

t.test('exceedsDepth counts levels without recursing, however deep the value', async (t) => {
  t.equal(exceedsDepth(nestedArray(MAX_JSON_DEPTH), MAX_JSON_DEPTH), false, '64 levels are within 64')
  t.equal(exceedsDepth(nestedArray(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH), true)
  t.equal(exceedsDepth(nestedObject(MAX_JSON_DEPTH), MAX_JSON_DEPTH), false)
  t.equal(exceedsDepth(nestedObject(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH), true)
  t.equal(exceedsDepth(nestedArray(1_000_000), MAX_JSON_DEPTH), true, 'a million levels')
  t.equal(exceedsDepth(nestedObject(100_000), MAX_JSON_DEPTH), true)
  t.equal(exceedsDepth('text', 0), false, 'a scalar is level 0')
  t.equal(exceedsDepth({ a: [1, { b: null }], c: 'x' }, 3), false)
  t.equal(exceedsDepth({ a: [1, { b: [] }] }, 3), true)
})

t.test('jsonPreview is JSON.stringify for values within its budget', async (t) => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => jsonPreview(value, Number.MAX_SAFE_INTEGER) === JSON.stringify(value)),
    { numRuns: 300 }
  )
  t.equal(jsonPreview({ a: undefined, b: [undefined] }, 100), '{"a":null,"b":[null]}', 'undefined shows as null')
})

t.test('jsonPreview stops at its budget, whatever the depth or size of the value', async (t) => {
  for (const value of [nestedArray(1_000_000), nestedObject(100_000), Array.from({ length: 1_000_000 }, () => 7)]) {
    const preview = jsonPreview(value, 4096)
    t.equal(preview.length, 4097, 'cut at the budget, with an ellipsis')
    t.ok(preview.endsWith('…'))
  }
  t.equal(jsonPreview('x'.repeat(10_000), 10), '"xxxxxxxxx…')
})

t.test('withoutBom drops a leading byte order mark only', async (t) => {
  t.equal(withoutBom('\uFEFF{"a":1}'), '{"a":1}')
  t.equal(withoutBom('{"a":"\uFEFF"}'), '{"a":"\uFEFF"}')
  t.equal(withoutBom(''), '')
})
