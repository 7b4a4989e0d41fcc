import t from 'tap'
import { nameSimilarity, normaliseName, suggestPairs } from '../../src/domain/nameMatching.js'

// Given company and client names as MSPs type them, when they are normalised and paired, then
// the same business matches whatever its case, punctuation or legal suffix, and nothing else does.

t.test('normalising sets aside case, accents, punctuation, "&" and legal suffixes', async (t) => {
  const same = [
    ['Caldwell & Sons Plumbing Ltd.', 'caldwell and sons plumbing'],
    ['Acme Dental Group, LLC', 'ACME DENTAL GROUP'],
    ['Müller GmbH', 'Muller'],
    ["O'Brien Consulting Pty Ltd", 'OBrien Consulting'],
    ['The Harbour View Hotel', 'Harbour View Hotel Limited'],
    ['Zenith Recruitment S.A.R.L.', 'Zenith  Recruitment']
  ]
  for (const [a, b] of same) {
    t.equal(normaliseName(a!).key, normaliseName(b!).key, `${a} ~ ${b}`)
    t.equal(nameSimilarity(normaliseName(a!), normaliseName(b!)), 1)
  }
  t.equal(normaliseName('Ltd').key, 'ltd', 'a name that is only a suffix keeps it')
})

t.test('similar names score below 1, unrelated ones low', async (t) => {
  const score = (a: string, b: string) => nameSimilarity(normaliseName(a), normaliseName(b))
  t.ok(score('Dunmore Veterinary', 'Dunmore Veterinary Practice') >= 0.6)
  t.ok(score('Dunmore Veterinary', 'Dunmore Veterinary Practice') < 1)
  t.ok(score('Acme Dentl Group', 'Acme Dental Group') >= 0.6, 'a typo')
  t.ok(score('Acme Dental Group', 'Birchwood Legal') < 0.2)
  t.equal(score('', ''), 0, 'empty names match nothing')
})

t.test('pairs: best first, each company and each client at most once, nothing under the threshold', async (t) => {
  const companies = [
    { id: 'c1', name: 'Acme Dental Group' },
    { id: 'c2', name: 'Acme Dental' },
    { id: 'c3', name: 'Birchwood Legal' },
    { id: 'c4', name: 'Quite Unrelated Ventures' }
  ]
  const clients = [
    { id: 1, name: 'ACME Dental Group Ltd' },
    { id: 2, name: 'Birchwood Legal LLP' },
    { id: 3, name: 'Cobalt Logistics' }
  ]
  const pairs = await suggestPairs(companies, clients)
  t.same(
    pairs.map((p) => [p.company.id, p.client.id, p.exact]),
    [
      ['c1', 1, true],
      ['c3', 2, true]
    ],
    'Acme Dental loses ACME Dental Group to the exact match, and nothing is left for it'
  )
  t.same(
    (await suggestPairs([{ id: 'c2', name: 'Acme Dental' }], clients)).map((p) => [p.company.id, p.client.id, p.exact]),
    [['c2', 1, false]]
  )
  t.same((await suggestPairs(companies, clients, { minConfidence: 1 })).length, 2)
})

t.test('names made of common words are still paired, without comparing every pair', async (t) => {
  const companies = Array.from({ length: 600 }, (_, i) => ({ id: `c${i}`, name: `Services ${i} Group` }))
  const clients = Array.from({ length: 600 }, (_, i) => ({ id: i, name: `Services ${i} Group Ltd` }))
  const pairs = await suggestPairs(companies, clients, { minConfidence: 1 })
  t.equal(pairs.length, 600)
  t.ok(pairs.every((p) => p.company.id === `c${p.client.id}`))
})

t.test('a pace is asked after every company, and the comparison waits whenever it answers a promise', async (t) => {
  const companies = Array.from({ length: 50 }, (_, i) => ({ id: `c${i}`, name: `Company ${i}` }))
  const clients = Array.from({ length: 50 }, (_, i) => ({ id: i, name: `Company ${i}` }))
  let asked = 0
  let waited = 0
  const pairs = await suggestPairs(companies, clients, {
    pace: () => {
      asked++
      if (asked % 10 !== 0) return undefined
      return new Promise<void>((resolve) => setImmediate(resolve)).then(() => void waited++)
    }
  })
  t.equal(asked, 50, 'once per company')
  t.equal(waited, 5, 'each promise waited for')
  t.equal(pairs.length, 50, 'the same pairs as without a pace')
})
