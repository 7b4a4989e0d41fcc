import t from 'tap'
import { pageThrough, walkCompanyTree, type ListChildren } from '../../../src/platforms/gravityzone/companyTree.js'
import { PlatformError } from '../../../src/platforms/transport/errors.js'

/**
 * The walk's decisions in isolation, over a tree given as data: what GravityZone answers per parent is
 * the input, so the tenant that refuses `filters` (one live report) can be shown.
 */
const tree: Record<string, { id: string; name: string; partner: boolean }[]> = {
  root: [
    { id: 'p1', name: 'Partner 1', partner: true },
    { id: 'c1', name: 'Customer 1', partner: false }
  ],
  p1: [
    { id: 'p2', name: 'Partner 2', partner: true },
    { id: 'c2', name: 'Customer 2', partner: false }
  ],
  p2: [{ id: 'c3', name: 'Customer 3', partner: false }]
}

const invalidParent = (parentId: string) =>
  new PlatformError({
    platform: 'gravityzone',
    call: 'network.getCompaniesList',
    kind: 'not_found',
    status: 400,
    rpcCode: -32602,
    message: `Invalid value for 'parentId' (${parentId})`
  })

const tenant = (options: { refusesFilters: boolean }) => {
  const calls: string[] = []
  const list: ListChildren = async (parentId, partnersOnly) => {
    const parent = parentId ?? 'root'
    calls.push(`${parent}${partnersOnly ? ':partners' : ''}`)
    if (partnersOnly && options.refusesFilters)
      throw new PlatformError({
        platform: 'gravityzone',
        call: 'network.getCompaniesList',
        kind: 'rejected',
        status: 400,
        rpcCode: -32602,
        message: 'Invalid params'
      })
    const children = tree[parent]
    if (!children) throw invalidParent(parent)
    return children.filter((c) => !partnersOnly || c.partner).map(({ id, name }) => ({ id, name }))
  }
  return { list, calls }
}

const shape = (nodes: Awaited<ReturnType<typeof walkCompanyTree>>) =>
  nodes.map((n) => `${n.id}:${n.type}:${n.parentId ?? '-'}:${n.depth}`).sort()
const expected = ['c1:customer:-:1', 'c2:customer:p1:2', 'c3:customer:p2:3', 'p1:partner:-:1', 'p2:partner:p1:2']

t.test('with the companyType filter, the walk descends into partners only', async (t) => {
  const { list, calls } = tenant({ refusesFilters: false })
  t.same(shape(await walkCompanyTree(list)), expected)
  t.notOk(
    calls.some((c) => c.startsWith('c')),
    'customers are never listed'
  )
})

t.test('when the filter is refused, every child is listed once and a -32602 answer makes it a customer', async (t) => {
  const { list, calls } = tenant({ refusesFilters: true })
  t.same(shape(await walkCompanyTree(list)), expected)
  t.ok(calls.includes('c1') && calls.includes('c3'), 'customers were asked, and answered "no children"')
})

t.test('errors other than invalid params stop the walk', async (t) => {
  const list: ListChildren = async () => {
    throw new PlatformError({ platform: 'gravityzone', call: 'network.getCompaniesList', kind: 'server', status: 503 })
  }
  t.match(await walkCompanyTree(list).catch((e: unknown) => e), { kind: 'server', status: 503 })
})

t.test('pageThrough stops at pagesCount, or at an empty page whatever pagesCount says', async (t) => {
  const pages: number[] = []
  const items = await pageThrough(async (page) => {
    pages.push(page)
    return { page, pagesCount: 3, perPage: 2, total: 5, items: page < 3 ? [page * 10, page * 10 + 1] : [30] }
  })
  t.same(items, [10, 11, 20, 21, 30])
  t.same(pages, [1, 2, 3])
  const lying = await pageThrough(async (page) => ({
    page,
    pagesCount: 99,
    perPage: 2,
    total: 2,
    items: page === 1 ? ['a', 'b'] : []
  }))
  t.same(lying, ['a', 'b'])
})
