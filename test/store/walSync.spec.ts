import t from 'tap'
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomUUID } from 'node:crypto'
import { migrate, configureWriter } from '../../src/store/sqlite/schema.js'
import { createCommitter } from '../../src/store/sqlite/groupCommit.js'
import { walSync } from '../../src/store/sqlite/walSync.js'
import type { AppendResult } from '../../src/store/port.js'
import { waitFor } from '../support/storeFacts.js'

/**
 * The committer with a WAL sync (walSync.ts): a COMMIT no longer waits for the disk, so an append
 * must not be answered, nor shown to subscribers, before an fsync that began after its commit.
 */

const row = () => ({ id: randomUUID(), type: 'MappingCreated', data: '{}', metadata: '{}' })

/** A committer on an in-memory database whose fsyncs are held until the test lets them return. */
const setup = () => {
  const db = new Database(':memory:')
  migrate(db)
  const syncs: ((error: Error | null) => void)[] = []
  const committedPositions: bigint[] = []
  const committer = createCommitter(db, {
    groupCommit: true,
    maxGroup: 1024,
    onCommit: (position) => committedPositions.push(position),
    sync: (done) => syncs.push(done)
  })
  const append = (stream: string) => {
    const state: { result?: AppendResult; error?: unknown } = {}
    const settled = new Promise<void>((resolve) => {
      committer.enqueue({
        stream,
        expected: 'no_stream',
        rows: [row()],
        resolve: (result) => {
          state.result = result
          resolve()
        },
        reject: (error) => {
          state.error = error
          resolve()
        }
      })
    })
    return Object.assign(state, { settled })
  }
  const stored = () => db.prepare('SELECT count(*) FROM facts').pluck().get() as number
  return { db, committer, syncs, committedPositions, append, stored }
}

t.test(
  'an append is answered only after an fsync that began after its commit; one fsync at a time, shared',
  async (t) => {
    const { db, committer, syncs, committedPositions, append, stored } = setup()
    t.teardown(() => db.close())

    const a = append('a')
    await waitFor(() => syncs.length === 1, { what: 'the first fsync to be asked for' })
    t.equal(stored(), 1, 'committed')
    t.equal(a.result, undefined, 'but not answered before its fsync returns')
    t.same(committedPositions, [], 'nor shown to subscribers')

    // Committed while the first fsync runs: they wait for the next one, not this one.
    const b = append('b')
    const c = append('c')
    await waitFor(() => stored() === 3, { what: 'b and c to commit' })
    t.equal(syncs.length, 1, 'no second fsync while one is running')
    let drained = false
    void committer.drained().then(() => (drained = true))

    syncs[0]!(null)
    await a.settled
    t.equal(a.result?.position, 1n, 'answered once its fsync returned')
    t.equal(b.result, undefined, 'an append committed during that fsync is still waiting')
    t.equal(syncs.length, 2, 'the next fsync starts at once for the appends that were waiting')
    t.same(committedPositions, [1n])
    t.notOk(drained, 'not drained while appends wait for their fsync')

    syncs[1]!(null)
    await Promise.all([b.settled, c.settled])
    t.same([b.result?.position, c.result?.position], [2n, 3n], 'both answered by the one fsync they shared')
    t.same(committedPositions, [1n, 3n])
    await waitFor(() => drained, { what: 'drained once nothing waits' })
    t.equal(syncs.length, 2, 'nothing left to flush: no idle fsync')
  }
)

t.test('a failed fsync refuses the appends that waited on it, and every append after it', async (t) => {
  const { db, syncs, committedPositions, append, stored } = setup()
  t.teardown(() => db.close())

  const a = append('a')
  await waitFor(() => syncs.length === 1, { what: 'the fsync to be asked for' })
  // Queued just before the failure is known, to be committed on the next turn.
  const queued = append('queued')
  syncs[0]!(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }))
  await a.settled
  t.match(a.error, { code: 'write_not_durable', message: 'the event store could not flush its log to disk' })
  t.equal((a.error as Error).cause instanceof Error, true, 'the disk error is kept as the cause, for the log')
  t.same(committedPositions, [], 'nothing shown to subscribers')

  const later = append('later')
  await Promise.all([later.settled, queued.settled])
  t.match(
    later.error,
    { code: 'write_not_durable' },
    'a later fsync could succeed without the lost pages: the store refuses instead'
  )
  t.match(queued.error, { code: 'write_not_durable' }, 'so is an append queued before the failure was known')
  t.equal(syncs.length, 1, 'and writes nothing more')
  t.equal(stored(), 1, 'not even the queued one')
})

t.test('the WAL sync of a real store file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-walsync-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'relay.db')

  const missing = walSync(join(dir, 'never-written.db'))
  const refused = await new Promise<Error | null>((resolve) => missing.sync(resolve))
  t.match(refused, { code: 'ENOENT' }, 'no log yet: the error reaches the caller, nothing thrown')

  const db = new Database(path)
  const durable = configureWriter(db, { inMemory: false, fsyncPerCommit: false })
  migrate(db)
  t.ok(durable, 'a file store comes with its WAL sync')
  t.equal(db.pragma('synchronous', { simple: true }), 1, 'and its COMMIT does not wait for the disk (NORMAL)')
  db.prepare(
    'INSERT INTO facts (stream, revision, id, type, data, metadata, recorded_at) VALUES (?, 0, ?, ?, ?, ?, 0)'
  ).run('s', randomUUID(), 'MappingCreated', '{}', '{}')
  for (let i = 0; i < 3; i++)
    t.equal(await new Promise<Error | null>((resolve) => durable!.sync(resolve)), null, `fsync ${i + 1} of the log`)
  db.close()
  durable!.close()
  durable!.close()
  t.pass('closing twice is harmless')

  const memory = new Database(':memory:')
  t.equal(
    configureWriter(memory, { inMemory: true, fsyncPerCommit: false }),
    undefined,
    'an in-memory store has nothing to flush'
  )
  memory.close()

  const baseline = new Database(join(dir, 'baseline.db'))
  t.equal(
    configureWriter(baseline, { inMemory: false, fsyncPerCommit: true }),
    undefined,
    'without group commit, no shared fsync:'
  )
  t.equal(baseline.pragma('synchronous', { simple: true }), 2, 'each COMMIT waits for its own (FULL)')
  baseline.close()
})
