/**
 * Child process for the snapshot crash test: saves a large read-model snapshot again and again, each
 * after a fact of its own, and prints `saved <position>` once the store has it. Runs until killed.
 *   node --import tsx test/support/snapshotWriter.ts <sqlite path | esdb:// url> <entries>
 */
import { randomBytes } from 'node:crypto'
import { openEventStore } from '../../src/store/index.js'
import { encodeReadModel, seal, snapshotVersion } from '../../src/services/snapshots/seal.js'
import { bigReadModel } from './snapshotCrash.js'
import { fact } from './storeFacts.js'

const [where, entriesArg] = process.argv.slice(2)
const store = await openEventStore(where!.startsWith('esdb') ? where! : `sqlite:${where}`)
// Random text: the snapshot stays large once compressed.
const state = {
  items: new Map(Array.from({ length: Number(entriesArg ?? 20_000) }, (_, i) => [i, randomBytes(48).toString('hex')]))
}
const { data, checksum } = await seal(await encodeReadModel(bigReadModel, state))
process.stdout.write(`ready ${data.length}\n`)
for (;;) {
  const f = fact('SnapshotCrashTick')
  const { position } = await store.append('snapshotCrash-ticks', [f])
  await store.saveSnapshot({
    name: bigReadModel.name,
    version: snapshotVersion(bigReadModel),
    position,
    factId: f.id,
    takenAt: new Date(),
    data,
    checksum
  })
  process.stdout.write(`saved ${position}\n`)
}
