import t from 'tap'
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { openSqliteStore } from '../../src/store/sqlite/sqliteStore.js'
import { relayEnvironment, runRelayToExit } from '../support/relayProcess.js'
import { fact } from '../support/storeFacts.js'

// A store file the relay cannot use stops it at start with one line naming the file and what is
// wrong, and a non-zero exit: never listening while warning forever, never a stack trace.

const dir = mkdtempSync(join(tmpdir(), 'relay-unusable-'))
// Writable by the user the relay runs as below (a store's folder must be).
chmodSync(dir, 0o777)
t.teardown(() => {
  chmodSync(join(dir, 'readonly'), 0o755)
  rmSync(dir, { recursive: true, force: true })
})

// A healthy store with enough facts that damage in its middle is not on the first pages read.
const good = join(dir, 'good.db')
const store = openSqliteStore({ path: good })
for (let i = 0; i < 100; i++)
  await store.append(
    `s-${i}`,
    Array.from({ length: 20 }, () => fact('Filler', { text: 'x'.repeat(300) }))
  )
await store.close()
const db = new Database(good)
db.pragma('wal_checkpoint(TRUNCATE)')
db.close()
const bytes = readFileSync(good)

const damaged = join(dir, 'damaged.db')
const middle = Buffer.from(bytes)
middle.fill(0x5a, 4096 * Math.floor(bytes.length / 4096 / 2), 4096 * (Math.floor(bytes.length / 4096 / 2) + 4))
writeFileSync(damaged, middle)
const random = join(dir, 'random.db')
writeFileSync(random, randomBytes(64 * 1024))
const truncated = join(dir, 'truncated.db')
writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 3)))
const readonly = join(dir, 'readonly')
mkdirSync(readonly)
copyFileSync(good, join(readonly, 'relay.db'))
chmodSync(join(readonly, 'relay.db'), 0o444)
chmodSync(readonly, 0o555)
for (const file of [damaged, random, truncated]) chmodSync(file, 0o666)

// Root ignores file modes: the relay then runs as nobody, who can read the code but not write there.
const user = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined

// A checkout in a folder only its owner may enter (`mktemp -d` makes them 0700) hides the code from
// nobody: each such folder above the checkout lets others pass through (o+x, no listing) while the
// relays run, and gets its mode back afterwards.
if (user) {
  const checkout = fileURLToPath(new URL('../..', import.meta.url))
  const folders = checkout
    .split(sep)
    .filter(Boolean)
    .map((_, i, parts) => sep + parts.slice(0, i + 1).join(sep))
  for (const folder of folders) {
    const mode = statSync(folder).mode & 0o7777
    if ((mode & 0o001) !== 0) continue
    chmodSync(folder, mode | 0o001)
    t.teardown(() => chmodSync(folder, mode))
  }
}

const cases: [string, string, RegExp][] = [
  ['damaged in the middle', damaged, /is damaged/],
  ['random bytes', random, /is not an SQLite database/],
  ['truncated', truncated, /is damaged|is not an SQLite database/],
  ['in a read-only folder', join(readonly, 'relay.db'), /read-only|cannot be opened/],
  ['to be created in a read-only folder', join(readonly, 'new.db'), /cannot be opened|not allowed to write/]
]

// The relays start together: each spends most of its time loading, not failing.
const runs = cases.map(([, path]) =>
  runRelayToExit(
    { ...relayEnvironment(`sqlite:${path}`), HOME: tmpdir() },
    { timeoutMs: 60_000, ...(user ? { user } : {}) }
  )
)

cases.forEach(([what, path, reason], i) => {
  t.test(
    `given a store file ${what}, when the relay starts, then it exits non-zero with one line naming the file`,
    async (t) => {
      const run = await runs[i]!
      t.equal(run.signal, null, `it exits by itself (${run.ms} ms)\n${run.stderr}\n${run.stdout.slice(-2000)}`)
      t.equal(run.code, 1)
      const lines = run.stderr.trim().split('\n')
      t.equal(lines.length, 1, `one line on stderr:\n${run.stderr}`)
      t.match(lines[0], path, 'it names the file')
      t.match(lines[0], reason)
      t.notMatch(run.stderr, /\n\s+at /, 'no stack trace')
      t.notMatch(run.stdout, /is listening/, 'it never listened')
    }
  )
})
