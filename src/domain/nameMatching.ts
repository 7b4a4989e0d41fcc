/**
 * Pairs GravityZone companies with HaloPSA clients by name, for the dashboard to suggest mappings
 * (docs/dashboard.md#mapping-suggestions). Names are normalised first: case, accents,
 * punctuation, "&" and "and", and legal suffixes such as Ltd, LLC or GmbH do not count. The same
 * name after that is an exact match (confidence 1); otherwise the confidence weighs the token-set
 * Jaccard index (a third) with the Dice coefficient of character trigrams (two thirds). Only names
 * that share a word (or their first three letters) are compared, so 2,000 × 2,000 names cost a few hundred
 * thousand comparisons rather than four million. Pure: no I/O, nothing is mapped here.
 */

export type NamedEntry<Id> = { id: Id; name: string }

export type Suggestion<C, K> = {
  company: NamedEntry<C>
  client: NamedEntry<K>
  /** 1 for the same name after normalisation, else below 1 (two decimals). */
  confidence: number
  exact: boolean
}

const LEGAL_SUFFIXES = new Set([
  'ab',
  'ag',
  'as',
  'bv',
  'co',
  'company',
  'corp',
  'corporation',
  'gmbh',
  'inc',
  'incorporated',
  'kg',
  'limited',
  'llc',
  'llp',
  'lp',
  'ltd',
  'nv',
  'oy',
  'plc',
  'pllc',
  'pty',
  'sa',
  'sarl',
  'sas',
  'sl',
  'spa',
  'srl',
  'ug'
])
const FILLER = new Set(['and', 'the'])
/**
 * Whole words count for a third; character trigrams for the rest, so a spelling variant
 * ("Harbor View Hotels" for "Harbour View Hotel") still scores well though no word is the same.
 */
const WORD_WEIGHT = 1 / 3
/** A word shared by more names than this (say "services") is too common to find candidates by. */
const MAX_POSTING = 200

type Normalised = { key: string; tokens: string[]; trigrams: Set<string> }

/** "Caldwell & Sons Plumbing Ltd." → "caldwell sons plumbing". */
export const normaliseName = (name: string): Normalised => {
  const words = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    // "L.L.C." and "O'Brien" are one word each.
    .replace(/[.'’]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .split(' ')
    .filter((w) => w !== '' && !FILLER.has(w))
  while (words.length > 1 && LEGAL_SUFFIXES.has(words.at(-1)!)) words.pop()
  const key = words.join(' ')
  const padded = ` ${key} `
  const trigrams = new Set<string>()
  for (let i = 0; i + 3 <= padded.length; i++) trigrams.add(padded.slice(i, i + 3))
  return { key, tokens: [...new Set(words)], trigrams }
}

/** Size of the intersection of two sorted arrays of ids. */
const shared = (a: Int32Array, b: Int32Array): number => {
  let n = 0
  for (let i = 0, j = 0; i < a.length && j < b.length;) {
    if (a[i] === b[j]) {
      n++
      i++
      j++
    } else if (a[i]! < b[j]!) i++
    else j++
  }
  return n
}

/** A normalised name with its words and trigrams as sorted numbers: comparing two is two merges. */
type Prepared = { key: string; tokens: Int32Array; trigrams: Int32Array }

const preparer = () => {
  const ids = new Map<string, number>()
  const idOf = (text: string) => {
    let id = ids.get(text)
    if (id === undefined) ids.set(text, (id = ids.size))
    return id
  }
  const sortedIds = (texts: Iterable<string>) => Int32Array.from(new Set([...texts].map(idOf))).sort()
  return (n: Normalised): Prepared => ({
    key: n.key,
    tokens: sortedIds(n.tokens.map((t) => `w${t}`)),
    trigrams: sortedIds([...n.trigrams].map((t) => `t${t}`))
  })
}

const similarity = (a: Prepared, b: Prepared): number => {
  if (a.key === b.key) return a.key === '' ? 0 : 1
  const words = shared(a.tokens, b.tokens)
  const jaccard = words / (a.tokens.length + b.tokens.length - words || 1)
  const dice = (2 * shared(a.trigrams, b.trigrams)) / (a.trigrams.length + b.trigrams.length || 1)
  return Math.min(0.99, Math.round((WORD_WEIGHT * jaccard + (1 - WORD_WEIGHT) * dice) * 100) / 100)
}

/** Names prepared once and compared many times (what suggestPairs does; the benchmark's baseline too). */
export const createComparer = () => ({ prepare: preparer(), similarity })

/** 0..1; 1 only for the same normalised name. */
export const nameSimilarity = (a: Normalised, b: Normalised): number => {
  const prepare = preparer()
  return similarity(prepare(a), prepare(b))
}

const blockingKeys = (n: Normalised): string[] => [...n.tokens.map((t) => `w:${t}`), `p:${n.key.slice(0, 3)}`]

/**
 * The best pairs first; each company and each client in at most one suggestion. Pairs below
 * `minConfidence` are left out. A company whose name a client has exactly is paired with that one
 * only: nothing can score higher. `pace` is called after each company; when it returns a promise
 * (the caller's time slice is over), the comparison waits for it, so that thousands of names
 * compared on a server's event loop leave room for its other requests.
 */
export const suggestPairs = async <C, K>(
  companies: readonly NamedEntry<C>[],
  clients: readonly NamedEntry<K>[],
  { minConfidence = 0.5, pace }: { minConfidence?: number; pace?: () => Promise<void> | undefined } = {}
): Promise<Suggestion<C, K>[]> => {
  const prepare = preparer()
  const normalisedClients = clients.map((c) => normaliseName(c.name))
  const preparedClients = normalisedClients.map(prepare)
  const index = new Map<string, number[]>()
  const byKey = new Map<string, number[]>()
  normalisedClients.forEach((n, i) => {
    for (const key of [...blockingKeys(n), `k:${n.key}`]) {
      const list = index.get(key)
      if (list) list.push(i)
      else index.set(key, [i])
    }
  })
  for (const [key, list] of index) if (key.startsWith('k:')) byKey.set(key.slice(2), list)
  const pairs: { company: number; client: number; score: number }[] = []
  const candidates = new Set<number>()
  const compare = (company: NamedEntry<C>, ci: number) => {
    const n = normaliseName(company.name)
    if (n.key === '') return
    const exact = byKey.get(n.key)
    if (exact) {
      for (const k of exact) pairs.push({ company: ci, client: k, score: 1 })
      return
    }
    const prepared = prepare(n)
    candidates.clear()
    const postings = blockingKeys(n)
      .map((key) => index.get(key) ?? [])
      .filter((list) => list.length > 0)
    const usable = postings.filter((list) => list.length <= MAX_POSTING)
    // A name made only of common words is compared with the clients of its rarest one, capped.
    const lists = usable.length > 0 ? usable : postings.sort((a, b) => a.length - b.length).slice(0, 1)
    for (const list of lists) for (let i = 0; i < list.length && i < MAX_POSTING * 4; i++) candidates.add(list[i]!)
    for (const k of candidates) {
      const score = similarity(prepared, preparedClients[k]!)
      if (score >= minConfidence) pairs.push({ company: ci, client: k, score })
    }
  }
  for (let ci = 0; ci < companies.length; ci++) {
    compare(companies[ci]!, ci)
    const wait = pace?.()
    if (wait) await wait
  }
  pairs.sort(
    (a, b) =>
      b.score - a.score || companies[a.company]!.name.localeCompare(companies[b.company]!.name) || a.client - b.client
  )
  const usedCompanies = new Set<number>()
  const usedClients = new Set<number>()
  const out: Suggestion<C, K>[] = []
  for (const p of pairs) {
    if (usedCompanies.has(p.company) || usedClients.has(p.client)) continue
    usedCompanies.add(p.company)
    usedClients.add(p.client)
    const company = companies[p.company]!
    const client = clients[p.client]!
    out.push({
      company: { id: company.id, name: company.name },
      client: { id: client.id, name: client.name },
      confidence: p.score,
      exact: p.score === 1
    })
  }
  return out
}
