/**
 * Child process for the crash test: appends as fast as it can at the given concurrency and prints
 * `ack <fact id> <stream>` for every append the store acknowledged. Runs until killed.
 */
import { randomUUID } from 'node:crypto'
import { openSqliteStore } from '../../src/store/sqlite/sqliteStore.js'
import { fact } from './storeFacts.js'

const [path, concurrencyArg] = process.argv.slice(2)
const store = openSqliteStore({ path: path! })
const concurrency = Number(concurrencyArg ?? 32)

const worker = async (w: number) => {
  for (let i = 0; ; i++) {
    // Each worker owns its streams; every tenth append re-delivers the previous one (same ids,
    // same expected revision), which must be an idempotent success, never a second copy.
    const stream = `crash${w}-${Math.floor(i / 50)}`
    const f = fact('Crashed', { w, i, pad: 'x'.repeat(200) }, randomUUID())
    const expected = i % 50 === 0 ? ('no_stream' as const) : BigInt((i % 50) - 1)
    await store.append(stream, [f], { expectedRevision: expected })
    process.stdout.write(`ack ${f.id} ${stream}\n`)
    if (i % 10 === 9) {
      await store.append(stream, [f], { expectedRevision: expected })
      process.stdout.write(`again ${f.id} ${stream}\n`)
    }
  }
}

for (let w = 0; w < concurrency; w++) void worker(w)
process.stdout.write('ready\n')
