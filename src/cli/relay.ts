import { pathToFileURL } from 'node:url'
import { runDoctorCli } from './doctor.js'
import { exit, UsageError, type CliOutput, type Env } from './common.js'
import { exportUsage, runExport } from './export.js'
import { rebuildUsage, runRebuild } from './rebuild.js'
import { replayUsage, runReplay } from './replay.js'

/**
 * The operators' CLI (docs/cli.md): `npm run relay -- <command>`, or `node dist/src/cli/relay.js
 * <command>` where the relay is built. Exit codes: 0 ok, 1 failure, 2 usage or configuration.
 */

export const usage = `usage: npm run relay -- <command> [options]    (built: node dist/src/cli/relay.js <command>)

Commands:
  rebuild   rebuild the read models from the store and compare them with the running relay's
  export    write the audit trail (or part of it) to a file as NDJSON
  replay    hand skipped or failed security events to ticketing again (through the relay's API)
  doctor    check the configured GravityZone and HaloPSA tenants (also: npm run doctor)

  -h, --help   print this text; <command> --help prints the command's

Environment: EVENT_STORE_URL (rebuild, export), RELAY_URL and RELAY_TOKEN (rebuild, replay), the
relay's own variables (doctor).
Exit code: 0 ok, 1 failure (or read models that differ), 2 usage or configuration.`

const commands: Record<string, { run(argv: string[], env: Env, io: CliOutput): Promise<number>; usage: string }> = {
  rebuild: { run: runRebuild, usage: rebuildUsage },
  export: { run: runExport, usage: exportUsage },
  replay: { run: runReplay, usage: replayUsage },
  doctor: { run: runDoctorCli, usage: '' }
}

export const runRelayCli = async (argv: string[], env: Env, io: CliOutput): Promise<number> => {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h') {
    if (name === undefined) return (io.err(usage), exit.usage)
    return (io.out(usage), exit.ok)
  }
  const command = commands[name]
  if (!command) return (io.err(`unknown command: ${name}\n\n${usage}`), exit.usage)
  try {
    return await command.run(rest, env, io)
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${command.usage}`)
      return exit.usage
    }
    io.err(`relay ${name} failed: ${(error as Error).message}`)
    return exit.failure
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const io: CliOutput = { out: (text) => process.stdout.write(`${text}\n`), err: (text) => console.error(text) }
  process.exitCode = await runRelayCli(process.argv.slice(2), process.env, io)
}
