import t, { type Test } from 'tap'
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqliteStore } from '../../src/store/sqlite/sqliteStore.js'
import { SCHEMA_VERSION } from '../../src/store/sqlite/schema.js'
import { fact } from '../support/storeFacts.js'

const folder = (t: Test) => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-schema-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

t.test(
  'given a store written before the mapping column existed, when it is opened, then the audit filter by mapping finds its facts',
  async (t) => {
    const path = join(folder(t), 'v1.db')
    const v1 = new Database(path)
    v1.exec(`
      CREATE TABLE facts (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, revision INTEGER NOT NULL,
        id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at INTEGER NOT NULL);
      CREATE UNIQUE INDEX facts_stream_revision ON facts (stream, revision);
      CREATE UNIQUE INDEX facts_id ON facts (id);
      CREATE TABLE store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO store_meta VALUES ('schema_version', '1');
    `)
    const insert = v1.prepare(
      'INSERT INTO facts (stream, revision, id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)'
    )
    const rows = [
      ['MappingCreated', { mappingId: 'm1' }],
      ['SecurityEventReceived', { event: { mappingId: 'm1' } }],
      ['CompanyNotFound', { mappingId: 'm1' }],
      ['CompanyNotFound', { mappingId: 'm2' }],
      ['Odd', [1]]
    ] as const
    rows.forEach(([type, data], i) =>
      insert.run(`s-${i}`, 0, fact(type).id, type, JSON.stringify(data), '{}', Date.now())
    )
    v1.close()

    const store = openSqliteStore({ path })
    t.teardown(() => store.close())
    const found = await store.findFacts({ after: 0n, mappingId: 'm1', limit: 10, maxScan: 100 })
    t.same(
      found.facts.map((f) => f.type),
      ['MappingCreated', 'CompanyNotFound']
    )
    await store.append('s-new', [fact('MappingUpdated', { mappingId: 'm1' })])
    t.equal((await store.findFacts({ after: 0n, mappingId: 'm1', limit: 10, maxScan: 100 })).facts.length, 3)
    const check = new Database(path, { readonly: true })
    t.teardown(() => check.close())
    t.equal(
      check.prepare(`SELECT value FROM store_meta WHERE key = 'schema_version'`).pluck().get(),
      String(SCHEMA_VERSION)
    )
  }
)

t.test(
  'given an SQLite database of another program, when it is opened as the store, then it is refused by name',
  async (t) => {
    const path = join(folder(t), 'other.db')
    const other = new Database(path)
    other.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY)')
    other.close()
    t.throws(() => openSqliteStore({ path }), {
      code: 'store_unusable',
      message: new RegExp(`${path.replace(/[.]/g, '\\.')} .*something else`)
    })
  }
)

t.test(
  'given a store whose facts table is damaged past its first page, when it is read, then the read fails for good, naming the file',
  async (t) => {
    const path = join(folder(t), 'damaged.db')
    const store = openSqliteStore({ path })
    for (let i = 0; i < 100; i++)
      await store.append(
        `s-${i}`,
        Array.from({ length: 20 }, () => fact('Filler', { text: 'x'.repeat(300) }))
      )
    await store.close()
    const db = new Database(path)
    db.pragma('wal_checkpoint(TRUNCATE)')
    const pages = db.pragma('page_count', { simple: true }) as number
    db.close()
    const { openSync, writeSync, closeSync } = await import('node:fs')
    const fd = openSync(path, 'r+')
    // Overwrite pages in the middle of the table with noise.
    writeSync(fd, Buffer.alloc(4096 * 4, 0x5a), 0, 4096 * 4, 4096 * Math.floor(pages / 2))
    closeSync(fd)
    const reopened = (() => {
      try {
        return openSqliteStore({ path })
      } catch (error) {
        t.match(error, { code: 'store_unusable', message: /damaged/ }, 'refused at opening')
        return undefined
      }
    })()
    if (!reopened) return
    t.teardown(() => reopened.close())
    await t.rejects(
      (async () => {
        for (let after = 0n; ;) {
          const batch = await reopened.readAll({ fromPosition: after + 1n, maxCount: 500 })
          if (batch.length === 0) return
          for (const f of batch) void f.data
          after = batch[batch.length - 1]!.position
        }
      })(),
      { code: 'store_unusable', message: new RegExp(`${path.replace(/[.]/g, '\\.')} is damaged`) }
    )
  }
)
