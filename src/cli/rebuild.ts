import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { relayProjections } from '../../projections/index.js'
import { compareWithRebuild } from '../services/snapshots/rebuild.js'
import { describeUrl, openEventStore } from '../store/index.js'

/**
 * `npx tsx src/cli/rebuild.ts`: rebuilds every read model from the first fact, in memory, and
 * compares it with the read model as the relay starts it from its snapshot
 * (docs/architecture.md#read-model-snapshots). Read-only. Exit code 0 when every read model
 * matches, 1 when one differs, 2 when the store cannot be read.
 */

export const usage = `usage: npx tsx src/cli/rebuild.ts [--json]

Rebuilds every read model from the first fact in the store named by EVENT_STORE_URL (default
sqlite:./data/relay.db), compares it with the read model loaded from its snapshot plus the facts
after it, and prints one line per read model. Nothing is written.

  --json   print the comparison as JSON
  --help   print this text

Exit code: 0 every read model matches, 1 one differs, 2 the store cannot be read.`

export const runRebuild = async (
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: { out(text: string): void; err(text: string): void }
): Promise<number> => {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, help: { type: 'boolean' } } })
  if (values.help) {
    io.out(usage)
    return 0
  }
  const url = env.EVENT_STORE_URL ?? 'sqlite:./data/relay.db'
  let store
  try {
    store = await openEventStore(url)
  } catch (error) {
    io.err(`cannot open the event store (${describeUrl(url)}): ${(error as Error).message}`)
    return 2
  }
  try {
    const result = await compareWithRebuild(store, relayProjections)
    if (values.json) {
      io.out(JSON.stringify(result, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2))
    } else {
      io.out(`read models at position ${result.position}:`)
      for (const r of result.readModels) {
        const from =
          r.snapshot.outcome === 'loaded'
            ? `snapshot at ${r.snapshot.position}`
            : r.snapshot.outcome === 'ignored'
              ? `no usable snapshot (${r.snapshot.reason})`
              : 'no snapshot'
        io.out(`  ${r.same ? 'same     ' : 'DIFFERENT'} ${r.name} (${r.bytes} bytes; ${from})`)
      }
    }
    return result.same ? 0 : 1
  } catch (error) {
    io.err(`cannot read the event store: ${(error as Error).message}`)
    return 2
  } finally {
    await store.close()
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await runRebuild(process.argv.slice(2), process.env, {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`)
  })
}
