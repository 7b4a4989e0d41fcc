/**
 * Child process of bench/checkpoints.ts: the whole relay on a fresh store file, taking GravityZone
 * pushes of 50 events each from 16 connections (a separate load process) for `seconds` after an
 * unmeasured warm-up; prints one JSON line of figures.
 *
 *   tsx bench/support/webhookBatches.ts <file> <seconds> [--no-checkpoint-thread]
 */
import { openSqliteStore } from '../../src/store/sqlite/sqliteStore.js'
import { runLoad, startBenchRelay } from './relayUnderLoad.js'

const [file, secondsArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'))
const store = openSqliteStore({
  path: file!,
  checkpointThread: !process.argv.includes('--no-checkpoint-thread')
})
const relay = await startBenchRelay(store)
try {
  const target = `${relay.url}/webhooks/gravityzone`
  // Warming up only: on a busy machine it may see no answer in time, which is no reason to stop.
  await runLoad(target, 16, 'push50', 2).catch(() => undefined)
  const { latencies: _, ...figures } = await runLoad(target, 16, 'push50', Number(secondsArg))
  console.log(JSON.stringify(figures))
} finally {
  await relay.close()
  await store.close()
}
