import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqliteStore } from '../../src/store/sqlite/sqliteStore.js'
import { isStoreError } from '../../src/store/errors.js'
import { relayEnvironment, runRelayToExit, startRelayProcess, type RelayProcess } from '../support/relayProcess.js'

// The embedded store serves one relay: a second one on the same file refuses to start, naming the
// file, and a lock left by a relay that was killed does not stop the next one.

const dir = mkdtempSync(join(tmpdir(), 'relay-sqlite-lock-'))
const path = join(dir, 'relay.db')
const relays: RelayProcess[] = []
t.teardown(async () => {
  for (const relay of relays) {
    relay.signal('SIGKILL')
    await relay.exited
  }
  rmSync(dir, { recursive: true, force: true })
})

t.test('a second relay on the same SQLite file exits non-zero with a message naming the file', async (t) => {
  // Given a relay running on an SQLite file,
  const first = await startRelayProcess(relayEnvironment(`sqlite:${path}`))
  relays.push(first)

  // when a second relay is started on the same file,
  const second = await runRelayToExit(relayEnvironment(`sqlite:${path}`))

  // then it exits with a non-zero code and says which file is in use, and the first one runs on.
  t.not(second.code, 0, second.stderr)
  t.equal(second.signal, null)
  t.match(second.stderr, `the event store ${path} is in use by another relay`)
  t.notMatch(second.stderr, /\n\s+at /, 'no stack trace')
  t.ok(first.running(), 'the first relay still runs')

  // and once the first is SIGKILLed (its lock never released by hand), a new relay starts on the file.
  first.signal('SIGKILL')
  await first.exited
  const next = await startRelayProcess(relayEnvironment(`sqlite:${path}`))
  relays.push(next)
  t.ok(next.running())
})

t.test('a second store opened on the file in the same process is refused while the first is open', async (t) => {
  const file = join(dir, 'in-process.db')
  const store = openSqliteStore({ path: file })
  const refusal = (() => {
    try {
      openSqliteStore({ path: file })
    } catch (error) {
      return error
    }
    return undefined
  })()
  t.ok(isStoreError(refusal) && refusal.code === 'store_unusable', 'refused as store_unusable')
  t.match((refusal as Error).message, `the event store ${file} is in use by another relay`)
  await store.close()
  const again = openSqliteStore({ path: file })
  await again.close()
})
