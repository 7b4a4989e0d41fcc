import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { openSqliteStore } from '../../src/store/sqlite/sqliteStore.js'
import { waitFor } from '../support/storeFacts.js'

t.test('a store killed with SIGKILL mid-run keeps every acknowledged append exactly once', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-crash-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'relay.db')
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/crashAppender.ts', path, '32'], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const acked = new Map<string, string>()
  let again = 0
  let buffer = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => {
    buffer += chunk
    const lines = buffer.split('\n')
    buffer = lines.pop()!
    for (const line of lines) {
      const [kind, id, stream] = line.split(' ')
      if (kind === 'ack') acked.set(id!, stream!)
      if (kind === 'again') again++
    }
  })
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))

  await waitFor(() => acked.size >= 3000, { timeoutMs: 60_000, what: '3000 acknowledged appends' })
  child.kill('SIGKILL')
  t.equal(await exited, 'SIGKILL', 'the appender died by SIGKILL, mid-run')
  t.ok(again > 0, 'idempotent re-deliveries were made before the kill')

  // Reopen as the relay would after a crash, then check every acknowledgement.
  const store = openSqliteStore({ path })
  const facts = await store.readAll()
  await store.close()
  const byId = new Map<string, number>()
  for (const f of facts) byId.set(f.id, (byId.get(f.id) ?? 0) + 1)
  const missing = [...acked.keys()].filter((id) => !byId.has(id))
  const twice = [...byId.entries()].filter(([, n]) => n > 1)
  t.equal(missing.length, 0, `all ${acked.size} acknowledged appends survived`)
  t.equal(twice.length, 0, 'no fact is stored twice')
  const wrongStream = facts.filter((f) => acked.has(f.id) && acked.get(f.id) !== f.stream)
  t.equal(wrongStream.length, 0, 'each fact is in the stream it was acknowledged in')
  t.ok(
    facts.length >= acked.size,
    `the store holds ${facts.length} facts for ${acked.size} acknowledgements (appends in flight at the kill may also be there)`
  )

  // Revisions stay contiguous per stream: a torn group commit would leave a gap.
  const db = new Database(path, { readonly: true })
  t.teardown(() => db.close())
  const gaps = db
    .prepare('SELECT stream, count(*) AS n, max(revision) AS top FROM facts GROUP BY stream HAVING n != top + 1')
    .all()
  t.same(gaps, [], 'every stream has revisions 0..n-1')
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok')
})
