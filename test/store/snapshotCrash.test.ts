import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { Projection } from '../../projections/projection.js'
import { loadReadModels } from '../../src/services/snapshots/loader.js'
import { openEventStore } from '../../src/store/index.js'
import { startEsdbStandIn } from '../support/esdbStandIn/index.js'
import { bigReadModel } from '../support/snapshotCrash.js'
import { waitFor } from '../support/storeFacts.js'

/**
 * A relay killed while it saves a large snapshot: at the next start the store holds a whole
 * snapshot (the one saved before, or the one being saved if it got through), never a torn one.
 */

const ROUNDS = 2

/** Runs the writer until it has saved `saves` snapshots more, then kills it; the last saved position. */
const killDuringSaves = async (t: Test, where: string, saves: number): Promise<bigint> => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/snapshotWriter.ts', where, '20000'], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
  t.teardown(() => void child.kill('SIGKILL'))
  const saved: bigint[] = []
  let buffer = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => {
    const lines = (buffer + chunk).split('\n')
    buffer = lines.pop()!
    for (const line of lines) if (line.startsWith('saved ')) saved.push(BigInt(line.slice(6)))
  })
  await waitFor(() => saved.length >= saves, { timeoutMs: 120_000, what: `${saves} snapshots saved` })
  // Right after an acknowledgement the writer is already appending and saving the next one.
  child.kill('SIGKILL')
  t.equal(await exited, 'SIGKILL', 'the writer died by SIGKILL')
  return saved.at(-1)!
}

const checkUsable = async (t: Test, where: string, lastSaved: bigint) => {
  const store = await openEventStore(where)
  t.teardown(() => store.close())
  const { loads } = await loadReadModels(store, [bigReadModel as Projection<unknown>])
  const [load] = loads
  t.equal(load?.outcome, 'loaded', 'the snapshot left by the crash loads (checksum and decoding pass)')
  if (load?.outcome !== 'loaded') return
  t.ok(
    load.position >= lastSaved,
    `it is the last one acknowledged (${lastSaved}) or the one in flight (${load.position})`
  )
  await store.close()
}

t.test('a SQLite store killed while it saves a large snapshot keeps a usable one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-snapcrash-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'relay.db')
  for (let round = 0; round < ROUNDS; round++) {
    const last = await killDuringSaves(t, path, 3)
    await checkUsable(t, `sqlite:${path}`, last)
  }
  const db = new Database(path, { readonly: true })
  t.teardown(() => db.close())
  t.equal(db.pragma('integrity_check', { simple: true }), 'ok')
})

t.test('an EventStoreDB client killed while it saves a snapshot in parts leaves a usable one', async (t) => {
  const standIn = await startEsdbStandIn()
  t.teardown(() => standIn.stop())
  for (let round = 0; round < ROUNDS; round++) {
    const last = await killDuringSaves(t, standIn.url, 3)
    await checkUsable(t, standIn.url, last)
  }
})
