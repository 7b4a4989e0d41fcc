import { createWriteStream } from 'node:fs'
import { once } from 'node:events'
import type { StoredFact } from '../store/port.js'
import { createAuditService } from '../services/audit.js'
import { auditFact } from '../services/views.js'
import { isDomainError } from '../domain/errors.js'
import { exit, openExistingStore, parse, time, UsageError, type CliOutput, type Env } from './common.js'
import { progressBar } from './progress.js'

export const exportUsage = `usage: npm run relay -- export --out FILE [--type T,…] [--stream S] [--since ISO] [--until ISO] [--mapping ID]

Writes the audit trail (every fact, in global order, as GET /api/audit shows it) to FILE as NDJSON,
one fact a line, read directly from the store EVENT_STORE_URL names. Filters:

  --type T,…      facts of these types only
  --stream S      one stream (its exact name), or a category such as ticket or mappingRegistry
  --since ISO     recorded at or after this time
  --until ISO     recorded at or before this time
  --mapping ID    facts whose data names this mapping
  --out FILE      where to write (created or replaced)
  -h, --help      print this text

Exit code: 0 written, 1 the store failed, 2 usage or configuration.`

export const runExport = async (argv: string[], env: Env, io: CliOutput): Promise<number> => {
  const o = parse(argv, {
    out: { type: 'string' },
    type: { type: 'string' },
    stream: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    mapping: { type: 'string' }
  })
  if (o.help) return (io.out(exportUsage), exit.ok)
  if (!o.out) throw new UsageError('--out FILE is required')
  time(o.since, 'since')
  time(o.until, 'until')
  const store = await openExistingStore(env)
  try {
    const head = await store.headPosition()
    let chunks: AsyncGenerator<StoredFact[]>
    try {
      chunks = await createAuditService({ store }).export({
        ...(o.type !== undefined ? { type: o.type } : {}),
        ...(o.stream !== undefined ? { stream: o.stream } : {}),
        ...(o.since !== undefined ? { from: o.since } : {}),
        ...(o.until !== undefined ? { to: o.until } : {}),
        ...(o.mapping !== undefined ? { mappingId: o.mapping } : {})
      })
    } catch (error) {
      if (isDomainError(error)) throw new UsageError(error.message)
      throw error
    }
    const file = createWriteStream(o.out)
    const bar = progressBar('export')
    let written = 0
    for await (const chunk of chunks) {
      for (const fact of chunk) {
        if (!file.write(`${JSON.stringify(auditFact(fact))}\n`)) await once(file, 'drain')
        written++
      }
      bar.update(Number(chunk.at(-1)!.position), Number(head))
    }
    bar.done()
    file.end()
    await once(file, 'finish')
    io.out(`exported ${written} facts to ${o.out}`)
    return exit.ok
  } finally {
    await store.close()
  }
}
