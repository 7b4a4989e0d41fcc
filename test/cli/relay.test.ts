import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { runRelayCli, usage } from '../../src/cli/relay.js'
import { customers, e2e, type E2E } from '../support/e2e.js'

/**
 * `npm run relay -- <command>`: rebuild, export, replay and doctor, against a relay running on a
 * SQLite file (the whole product on loopback), with the exit codes scripts rely on.
 */

const [acme, birch] = customers as [(typeof customers)[number], (typeof customers)[number]]
const config = { ticketTypeId: 3, priorityId: 2, closedStatusName: 'Closed', autoCloseBlocked: false, modules: ['av'] }

const cli = async (argv: string[], env: Record<string, string | undefined> = {}) => {
  const out: string[] = []
  const err: string[] = []
  const code = await runRelayCli(argv, env, { out: (s) => out.push(s), err: (s) => err.push(s) })
  return { code, out: out.join('\n'), err: err.join('\n') }
}

/** A relay on a store file with one skipped event (acme, unmapped) and one ticket (birch). */
const relayOnFile = async (t: Test) => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-cli-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const s = await e2e(t, { eventStoreUrl: `sqlite:${join(dir, 'relay.db')}` })
  await s.api('PUT', '/api/config/ticketing', config)
  const mapping = await s.map(birch, { ticketing: true })
  await s.gravityzone.push.send([
    { event: s.gravityzone.generate('av', acme.companyId) },
    { event: s.gravityzone.generate('av', birch.companyId) }
  ])
  await s.settle()
  const env = { EVENT_STORE_URL: `sqlite:${join(dir, 'relay.db')}`, RELAY_URL: s.url, RELAY_TOKEN: s.token }
  return { s, dir, env, mapping }
}

t.test('the CLI answers --help for itself and each command, and refuses what it does not know with 2', async (t) => {
  t.same(await cli(['--help']), { code: 0, out: usage, err: '' })
  for (const command of ['rebuild', 'export', 'replay', 'doctor']) {
    const help = await cli([command, '--help'])
    t.equal(help.code, 0, command)
    t.match(help.out, /^usage: npm run (relay -- |doctor)/, command)
  }
  t.match(await cli([]), { code: 2, err: /^usage: / })
  t.match(await cli(['rebuilt']), { code: 2, err: /unknown command: rebuilt/ })
  t.match(await cli(['export', '--out', 'x', '--since', 'yesterday']), { code: 2, err: /--since must be/ })
  t.match(await cli(['export', '--out', 'x'], { EVENT_STORE_URL: 'sqlite:/nonexistent/relay.db' }), {
    code: 2,
    err: /names no store file/
  })
  t.match(await cli(['replay', '--dry-run'], {}), { code: 2, err: /RELAY_TOKEN/ })
})

t.test('export writes the audit as NDJSON, filtered by type, mapping and time', async (t) => {
  const { env, dir, mapping } = await relayOnFile(t)
  const file = join(dir, 'audit.ndjson')
  const lines = () =>
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; data: { mappingId?: string } })

  const all = await cli(['export', '--out', file], env)
  t.equal(all.code, 0, all.err)
  t.match(all.out, /^exported \d+ facts to /)
  t.ok(lines().length > 5)
  t.ok(
    lines().every(
      (f, i, a) =>
        i === 0 ||
        BigInt((f as unknown as { position: string }).position) >
          BigInt((a[i - 1] as unknown as { position: string }).position)
    ),
    'in global order'
  )

  t.equal((await cli(['export', '--out', file, '--type', 'SecurityEventReceived,TicketCreated'], env)).code, 0)
  t.same(
    lines()
      .map((f) => f.type)
      .sort(),
    ['SecurityEventReceived', 'SecurityEventReceived', 'TicketCreated']
  )

  t.equal((await cli(['export', '--out', file, '--mapping', mapping.id, '--type', 'TicketCreated'], env)).code, 0)
  t.match(lines(), [{ type: 'TicketCreated', data: { mappingId: mapping.id } }])

  t.equal((await cli(['export', '--out', file, '--until', '2000-01-01'], env)).code, 0)
  t.equal(readFileSync(file, 'utf8'), '', 'nothing recorded before 2000')
})

t.test('replay: a dry run counts, a replay hands over once, a second finds nothing', async (t) => {
  const { s, env } = await relayOnFile(t)
  await s.map(acme, { ticketing: true })
  const dry = await cli(['replay', '--dry-run', '--outcome', 'skipped'], env)
  t.equal(dry.code, 0, dry.err)
  t.match(dry.out, /^1 skipped or failed security events match; nothing was replayed \(dry run\)/)
  t.equal(s.halopsa.state.data().tickets.rows.size, 1)

  const run = await cli(['replay'], env)
  t.equal(run.code, 0, run.err)
  t.match(run.out, /^replayed 1 security events$/)
  await s.settle()
  t.equal(s.halopsa.state.data().tickets.rows.size, 2, 'the replayed event is ticketed')
  await waitForOutcome(s)
  const again = await cli(['replay'], env)
  t.match(again, { code: 0, out: /^replayed 0 security events$/ })
  await s.settle()
  t.equal(s.halopsa.state.data().tickets.rows.size, 2, 'and only once')
  t.match(await cli(['replay', '--outcome', 'ticketed'], env), { code: 2, err: /--outcome must be skipped or failed/ })
})

const waitForOutcome = async (s: E2E) => {
  const head = await s.relay.relay.store.headPosition()
  await s.relay.relay.runner.waitForPosition(head)
}

t.test('rebuild matches a live relay on its own store, and reports the differences against another', async (t) => {
  const { env } = await relayOnFile(t)
  const same = await cli(['rebuild'], env)
  t.equal(same.code, 0, same.out + same.err)
  t.match(same.out, /mappings: 1 rebuilt, 1 live[\s\S]*securityEvents: 2 rebuilt, 2 live[\s\S]*the read models match/)

  // Given another relay's store (another history), the comparison fails with 1
  const other = await relayOnFile(t)
  const differs = await cli(['rebuild', '--attempts', '1', '--json'], {
    ...env,
    EVENT_STORE_URL: other.env.EVENT_STORE_URL
  })
  t.equal(differs.code, 1)
  const report = JSON.parse(differs.out)
  t.equal(report.match, false)
  t.ok(report.differences.length > 0)
  // The mappings differ for certain (their ids are new in each history); the security events may
  // coincide when both histories pushed the same events within one second.
  t.match(report.differences.join('\n'), /mappings [0-9a-f-]+: /)

  // A relay setting the CLI reads as the relay does: an invalid one is refused before any work
  const invalid = await cli(['rebuild'], { ...env, SECURITY_EVENTS_IN_MEMORY: 'many' })
  t.equal(invalid.code, 2)
  t.match(invalid.err, /SECURITY_EVENTS_IN_MEMORY must be a whole number from 1 to 10000000/)
})

t.test('doctor runs as a command of the CLI (and npm run doctor is its alias)', async (t) => {
  const bad = await cli(['doctor'], { GZ_API_URL: 'not a url' })
  t.equal(bad.code, 2)
  t.match(bad.err, /GZ_API_URL/)
})
