// `npm start`: runs the built relay (dist/, made by `npm run build`). Without a build it says so
// and exits 1, instead of Node's "Cannot find module". In a development checkout `--help` still
// answers, read from the source through tsx (a dev dependency); the Docker image runs
// dist/src/main.js directly.
import { existsSync } from 'node:fs'
import process from 'node:process'
import { URL } from 'node:url'

const built = new URL('../dist/src/main.js', import.meta.url)
const help = process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')

const tsx = async () => {
  try {
    return await import('tsx/esm/api')
  } catch {
    return undefined
  }
}

if (existsSync(built)) {
  await import(built.href)
} else {
  const fromSource = help ? await tsx() : undefined
  if (fromSource) {
    await fromSource.tsImport(new URL('../src/main.ts', import.meta.url).href, import.meta.url)
  } else {
    process.stderr.write(
      'gz-halo-relay is not built yet: run `npm run build` first (it compiles src/ into dist/), then `npm start`.\n'
    )
    process.exitCode = 1
  }
}
