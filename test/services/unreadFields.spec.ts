import t from 'tap'
import type { Projection } from '../../projections/projection.js'
import { unreadFields } from '../../src/services/projectionRunner.js'

// Given read models that read some fact types' bodies, when the runner asks which data fields
// nobody reads, then a field is left out only when every read model reading that type says so.

const projection = (name: string, bodiesFor: string[], unread?: Record<string, string[]>): Projection<unknown> => ({
  name,
  version: 1,
  initialState: () => undefined,
  evolve: (s) => s,
  bodiesFor,
  ...(unread ? { unread } : {})
})

t.test('a field is unread only when every read model reading the type declares it unread', async (t) => {
  t.same(unreadFields([projection('a', ['Big'], { Big: ['event', 'raw'] })]), { Big: ['event', 'raw'] })
  t.same(
    unreadFields([projection('a', ['Big'], { Big: ['event', 'raw'] }), projection('b', ['Big'], { Big: ['raw'] })]),
    { Big: ['raw'] },
    'the fields both leave'
  )
  t.same(
    unreadFields([projection('a', ['Big'], { Big: ['event'] }), projection('b', ['Big', 'Small'])]),
    {},
    'a read model that says nothing reads everything'
  )
  t.same(unreadFields([projection('a', ['Small'], { Big: ['event'] })]), {}, 'nor for a type whose body nobody reads')
})
