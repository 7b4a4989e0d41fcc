import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { runDoctorCli, usage } from '../../src/cli/doctor.js'
import { streams } from '../../src/domain/streams.js'
import { ticketingConfig } from '../../src/domain/ticketingConfig.js'
import { createCommandHandler } from '../../src/services/commandHandler.js'
import { openSqliteStore } from '../../src/store/sqlite/sqliteStore.js'
import { startGravityZoneSimulator } from '../../simulators/gravityzone/server.js'
import { startHaloPsaSimulator } from '../../simulators/halopsa/server.js'

/**
 * `npm run doctor`: the relay's environment in, a table (or JSON) out, and the exit code says
 * whether the tenant can be trusted: 0 all passed, 1 a check failed, 2 the configuration is bad.
 */

const secrets = { gzKey: 'gz-cli-doctor-key-0123', haloSecret: 'halo-cli-doctor-secret' }

const output = () => {
  const out: string[] = []
  const err: string[] = []
  return { io: { out: (text: string) => out.push(text), err: (text: string) => err.push(text) }, out, err }
}

/** Both simulators and the relay's environment pointing at them, with a store file that holds a ticketing config. */
const tenant = async (t: Test) => {
  const gz = await startGravityZoneSimulator({ apiKey: secrets.gzKey, seed: 'demo', limits: { enabled: false } })
  t.teardown(() => gz.close())
  const halo = await startHaloPsaSimulator({ clientId: 'relay', clientSecret: secrets.haloSecret, seed: 'demo' })
  t.teardown(() => halo.close())
  const dir = mkdtempSync(join(tmpdir(), 'doctor-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const path = join(dir, 'relay.db')
  const store = openSqliteStore({ path })
  await createCommandHandler(store, ticketingConfig).handle(
    streams.ticketingConfig(),
    {
      type: 'ConfigureTicketing',
      data: { ticketTypeId: 1, closedStatusName: 'Closed', autoCloseBlocked: false, modules: ['av'], verified: true }
    },
    { actor: 'operator', correlationId: 'doctor-test' }
  )
  await store.close()
  const env: Record<string, string> = {
    API_TOKENS: 'operator:operate:doctor-test-token-0123456789',
    EVENT_STORE_URL: `sqlite:${path}`,
    GZ_API_URL: gz.url,
    GZ_API_KEY: secrets.gzKey,
    GZ_PUSH_AUTHORIZATION: 'Bearer push-secret-0123456789',
    HALO_URL: halo.url,
    HALO_CLIENT_ID: 'relay',
    HALO_CLIENT_SECRET: secrets.haloSecret,
    HALO_WEBHOOK_USER: 'halopsa',
    HALO_WEBHOOK_PASSWORD: 'webhook-password-0123'
  }
  return { gz, halo, env }
}

t.test('--help prints the usage and exits 0 without reading the configuration', async (t) => {
  const { io, out } = output()
  t.equal(await runDoctorCli(['--help'], {}, io), 0)
  t.equal(out.join(''), usage)
})

t.test('an unknown option or a bad configuration exits 2 and says why', async (t) => {
  const unknown = output()
  t.equal(await runDoctorCli(['--fix'], {}, unknown.io), 2)
  t.match(unknown.err.join(''), /--fix/)
  const missing = output()
  t.equal(await runDoctorCli([], { API_TOKENS: 'operator:operate:doctor-test-token-0123456789' }, missing.io), 2)
  t.match(missing.err.join(''), /GZ_API_URL is required but not set/)
})

t.test('given healthy tenants, the table lists every call, the stored ticketing config included; exit 0', async (t) => {
  const { env } = await tenant(t)
  const { io, out } = output()
  t.equal(await runDoctorCli([], env, io), 0)
  const table = out.join('\n')
  t.match(table, /general\.getApiKeyDetails\s+ok/)
  t.match(table, /GET \/api\/Webhook\s+warning/)
  t.match(table, /event store\s+ok\s+ticket type 1, modules: av/)
  t.match(table, /all 23 checks passed/)
  t.notOk(table.includes(secrets.gzKey) || table.includes(secrets.haloSecret), 'no secret printed')
})

t.test('given a malformed answer, --json reports the row and the exit code is 1', async (t) => {
  const { gz, env } = await tenant(t)
  gz.faults.add({
    match: 'POST /api/v1.0/jsonrpc/companies getCompanyDetails',
    status: 200,
    body: { id: 1, jsonrpc: '2.0', result: { id: 'x', name: 'X', type: 'customer' } }
  })
  const { io, out } = output()
  t.equal(await runDoctorCli(['--json'], env, io), 1)
  const report = JSON.parse(out.join('')) as { ok: boolean; rows: { call: string; outcome: string; field?: string }[] }
  t.equal(report.ok, false)
  t.match(
    report.rows.find((r) => r.call === 'companies.getCompanyDetails'),
    {
      outcome: 'unexpected_shape',
      field: 'type'
    }
  )
})

t.test('the entry point runs as a process: JSON on stdout, exit code 0', async (t) => {
  const { env } = await tenant(t)
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/doctor.ts', '--json'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  t.equal(code, 0)
  t.match(JSON.parse(stdout), { ok: true, rows: Array })
})
