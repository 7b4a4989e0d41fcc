import { existsSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig, type Config } from '../config.js'
import { streams } from '../domain/streams.js'
import { ticketingConfig } from '../domain/ticketingConfig.js'
import { createGravityZoneClient } from '../platforms/gravityzone/client.js'
import { createHaloPsaClient } from '../platforms/halopsa/client.js'
import { createCommandHandler } from '../services/commandHandler.js'
import { createDoctor, doctorSettings } from '../services/doctor.js'
import { formatReport } from '../services/doctorReport.js'
import { openEventStore, type EventStore } from '../store/index.js'
import { sqliteOptions } from '../store/url.js'

/**
 * `npm run doctor [-- --json]`: checks the configured GravityZone and HaloPSA tenants with the
 * relay's own clients and environment (docs/doctor.md). Read-only. Exit code 0 when every check
 * passes, 1 when one fails, 2 when the configuration is not valid.
 */

export const usage = `usage: npm run doctor [-- --json]    (also: npm run relay -- doctor [--json])

Makes every call the relay depends on, once, against the GravityZone and HaloPSA tenants configured
in the environment (the relay's own variables: GZ_API_URL, GZ_API_KEY, HALO_URL, HALO_CLIENT_ID, …),
checks each answer against the shape the relay expects and prints one line per call. Nothing is
written to either platform.

  --json   print the report as JSON
  --help   print this text

Exit code: 0 every check passed, 1 a check failed, 2 the configuration is not valid.`

export type CliOutput = { out(text: string): void; err(text: string): void }

/** The relay's event store when it exists already (the doctor never creates one); undefined otherwise. */
const openExistingStore = async (url: string): Promise<EventStore | undefined> => {
  if (url.startsWith('sqlite:')) {
    const { path } = sqliteOptions(url)
    if (path === ':memory:' || !existsSync(path)) return undefined
  }
  // The doctor only reads the store, often while the relay that holds it runs.
  return openEventStore(url, { besideRelay: true })
}

const withDeadline = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer in time')), ms).unref())
  ])

const clientsFor = (config: Config) => ({
  gravityzone: createGravityZoneClient({ apiUrl: config.GZ_API_URL, apiKey: config.GZ_API_KEY }),
  halopsa: createHaloPsaClient({
    url: config.HALO_URL,
    ...(config.HALO_AUTH_URL ? { authUrl: config.HALO_AUTH_URL } : {}),
    ...(config.HALO_TENANT ? { tenant: config.HALO_TENANT } : {}),
    clientId: config.HALO_CLIENT_ID,
    clientSecret: config.HALO_CLIENT_SECRET,
    limits: config.HALO_RATE_LIMIT
  })
})

export const runDoctorCli = async (
  argv: string[],
  env: Record<string, string | undefined>,
  io: CliOutput
): Promise<number> => {
  let values: { json?: boolean; help?: boolean }
  try {
    values = parseArgs({
      args: argv,
      options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true
    }).values
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${usage}`)
    return 2
  }
  if (values.help) {
    io.out(usage)
    return 0
  }
  let config: Config
  try {
    config = loadConfig(env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    io.err(error.message)
    return 2
  }
  const { gravityzone, halopsa } = clientsFor(config)
  const store = await openExistingStore(config.EVENT_STORE_URL).catch(() => undefined)
  try {
    const doctor = createDoctor({
      gravityzone,
      halopsa,
      ...doctorSettings(config),
      ...(store
        ? {
            ticketingConfiguration: async () =>
              (await withDeadline(createCommandHandler(store, ticketingConfig).load(streams.ticketingConfig()), 10_000))
                .config
          }
        : {})
    })
    const report = await doctor.run()
    io.out(values.json ? JSON.stringify(report, null, 2) : formatReport(report))
    return report.ok ? 0 : 1
  } finally {
    await Promise.allSettled([gravityzone.close(), halopsa.close(), store?.close()])
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const io: CliOutput = { out: (text) => process.stdout.write(`${text}\n`), err: (text) => console.error(text) }
  process.exitCode = await runDoctorCli(process.argv.slice(2), process.env, io)
}
