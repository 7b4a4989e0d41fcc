// `npm run relay -- <command>` (and `npm run doctor`): the operators' CLI (docs/cli.md). Runs the
// built CLI (dist/, made by `npm run build`) when there is one, as the container image does; in a
// development checkout without a build, the source through tsx (a dev dependency).
import { existsSync } from 'node:fs'
import process from 'node:process'
import { URL } from 'node:url'

const built = new URL('../dist/src/cli/relay.js', import.meta.url)

const load = async () => {
  if (existsSync(built)) return import(built.href)
  try {
    const { tsImport } = await import('tsx/esm/api')
    return await tsImport(new URL('../src/cli/relay.ts', import.meta.url).href, import.meta.url)
  } catch {
    process.stderr.write('the relay CLI is not built yet: run `npm run build` first.\n')
    process.exit(2)
  }
}

const { runRelayCli } = await load()
const io = { out: (text) => process.stdout.write(`${text}\n`), err: (text) => process.stderr.write(`${text}\n`) }
process.exitCode = await runRelayCli(process.argv.slice(2), process.env, io)
