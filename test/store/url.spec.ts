import t from 'tap'
import { openEventStore } from '../../src/store/index.js'
import { SQLITE_URL_RULE, sqliteOptions } from '../../src/store/url.js'

t.test('a sqlite: URL names the store file, or :memory:', async (t) => {
  // Given EVENT_STORE_URL values naming a file or an in-memory store
  // When they are read as store options
  // Then the path is what follows the scheme
  t.same(sqliteOptions('sqlite:./data/relay.db'), { path: './data/relay.db' })
  t.same(sqliteOptions('sqlite:/var/lib/relay/relay.db'), { path: '/var/lib/relay/relay.db' })
  t.same(sqliteOptions('sqlite::memory:'), { path: ':memory:' })
})

t.test(
  'a sqlite: URL with any ?option is refused, so an option this build does not know is never ignored',
  async (t) => {
    // Given URLs carrying options, among them the writer option older builds took
    for (const url of ['sqlite:./relay.db?writer=inline', 'sqlite:./relay.db?journal=wal', 'sqlite:./relay.db?']) {
      // When they are read, or opened as the store
      // Then each is refused with the rule it broke, and no store is opened
      t.throws(() => sqliteOptions(url), { message: SQLITE_URL_RULE }, url)
      await t.rejects(openEventStore(url), { message: SQLITE_URL_RULE }, url)
    }
  }
)
