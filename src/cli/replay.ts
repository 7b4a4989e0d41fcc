import { exit, parse, relayApi, time, UsageError, type CliOutput, type Env } from './common.js'
import { progressBar } from './progress.js'

export const replayUsage = `usage: npm run relay -- replay [--dry-run] [--outcome skipped|failed] [--company ID] [--mapping ID]
                            [--module M] [--since ISO] [--until ISO] [--limit N]

Hands skipped or failed security events that match to ticketing again, through the running
relay's API (POST /api/security-events/replay, RELAY_URL and RELAY_TOKEN: a token with the operate
scope), page by page (at most 500 a request) until every match is handed over. The relay's ticket
decider refuses an event that has a ticket or a note: a replay never tickets anything twice.

  --dry-run       count the matches and show a sample; hand nothing over
  --limit N       hand over at most N events in all (default: every match)
  -h, --help      print this text

Exit code: 0 done, 1 the relay refused or failed, 2 usage or configuration.`

type Answer = {
  matched: number
  replayed: number
  refused: number
  nextCursor: string | null
  sample: { key: string; outcome: string; companyId?: string; reason?: string }[]
}

export const runReplay = async (argv: string[], env: Env, io: CliOutput): Promise<number> => {
  const o = parse(argv, {
    'dry-run': { type: 'boolean' },
    outcome: { type: 'string' },
    company: { type: 'string' },
    mapping: { type: 'string' },
    module: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    limit: { type: 'string' }
  })
  if (o.help) return (io.out(replayUsage), exit.ok)
  if (o.outcome !== undefined && o.outcome !== 'skipped' && o.outcome !== 'failed')
    throw new UsageError('--outcome must be skipped or failed')
  time(o.since, 'since')
  time(o.until, 'until')
  const limit = o.limit !== undefined ? Number(o.limit) : Infinity
  if (o.limit !== undefined && !(Number.isInteger(limit) && limit > 0))
    throw new UsageError('--limit must be a positive whole number')
  const api = relayApi(env)
  const filters = {
    ...(o.outcome !== undefined ? { outcome: o.outcome } : {}),
    ...(o.company !== undefined ? { company: o.company } : {}),
    ...(o.mapping !== undefined ? { mapping: o.mapping } : {}),
    ...(o.module !== undefined ? { module: o.module } : {}),
    ...(o.since !== undefined ? { since: o.since } : {}),
    ...(o.until !== undefined ? { until: o.until } : {})
  }
  const dry = (await api('POST', '/api/security-events/replay', { ...filters, dryRun: true })) as Answer
  if (o['dry-run']) {
    io.out(`${dry.matched} skipped or failed security events match; nothing was replayed (dry run)`)
    for (const s of dry.sample)
      io.out(`  ${s.key}  ${s.outcome}${s.reason ? ` (${s.reason})` : ''}  ${s.companyId ?? ''}`)
    return exit.ok
  }
  const total = Math.min(dry.matched, limit)
  const bar = progressBar('replay')
  let replayed = 0
  let refused = 0
  let cursor: string | null = null
  while (replayed + refused < total) {
    const page = (await api('POST', '/api/security-events/replay', {
      ...filters,
      dryRun: false,
      limit: Math.min(500, total - replayed - refused),
      ...(cursor !== null ? { cursor } : {})
    })) as Answer
    replayed += page.replayed
    refused += page.refused
    bar.update(replayed + refused, total)
    cursor = page.nextCursor
    if (cursor === null || page.replayed + page.refused === 0) break
  }
  bar.done()
  io.out(`replayed ${replayed} security events${refused > 0 ? `; ${refused} refused (handled meanwhile)` : ''}`)
  return exit.ok
}
