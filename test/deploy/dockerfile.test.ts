import t from 'tap'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'

// No Docker engine runs on the build machines, so the image is not built here; what can be
// checked without one is checked: the stages, the user, and the health check command itself.
const root = fileURLToPath(new URL('../../', import.meta.url))
const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8').replace(/\\\n/g, ' ')
const stages = dockerfile.split(/^FROM /m).slice(1)
const runtime = stages.at(-1)!

/** Runs the HEALTHCHECK's exec-form command with PORT set; resolves its exit code. */
const healthcheck = (port: number): Promise<number | null> => {
  const command = JSON.parse(/HEALTHCHECK[^\n]*?CMD (\[.*\])/.exec(dockerfile)![1]!) as string[]
  const child = spawn(command[0] === 'node' ? process.execPath : command[0]!, command.slice(1), {
    env: { PORT: String(port) },
    stdio: 'ignore'
  })
  return new Promise((resolve) => child.on('exit', resolve))
}

const serve = async (status: number) => {
  const server = createServer((req, res) => res.writeHead(req.url === '/health' ? status : 404).end())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((resolve) => server.close(resolve)) }
}

t.test(
  'the runtime stage has production dependencies only, runs as a non-root user and starts the built entry point',
  async (t) => {
    t.ok(stages.length >= 3, 'multi-stage')
    t.match(dockerfile, /npm ci --omit=dev/, 'production dependencies are installed with npm ci --omit=dev')
    t.match(dockerfile, /python3 make g\+\+/, 'better-sqlite3 can compile from source where npm ci runs')
    t.notMatch(runtime, /npm (ci|install)|g\+\+/, 'the runtime stage installs nothing and has no compiler')
    t.match(runtime, /^USER node$/m, 'the process runs as node, not root')
    t.match(runtime, /EXPOSE 3000/)
    t.match(runtime, /VOLUME \["\/app\/data"\]/, 'the embedded SQLite default lives in a volume')
    t.match(runtime, /CMD \["node", "dist\/src\/main\.js"\]/, 'starts what `npm run build` (tsconfig.build.json) emits')
  }
)

t.test('given /health answers 200, the health check passes; given 503 or nothing listening, it fails', async (t) => {
  const healthy = await serve(200)
  t.equal(await healthcheck(healthy.port), 0)
  await healthy.close()
  const unhealthy = await serve(503)
  t.equal(await healthcheck(unhealthy.port), 1)
  await unhealthy.close()
  t.equal(await healthcheck(unhealthy.port), 1, 'a closed port fails too')
})

t.test(
  'the image and the build carry no simulator or demo code: only src/ and projections/ are compiled',
  async (t) => {
    for (const stage of stages) t.notMatch(stage, /COPY[^\n]*\b(simulators|demo|test|bench)\b/, 'no stage copies them')
    const build = JSON.parse(readFileSync(`${root}tsconfig.build.json`, 'utf8')) as { include: string[] }
    t.same(build.include, ['src', 'projections'], 'npm run build compiles src/ and projections/ only')
    const imports = spawn('grep', [
      '-rlE',
      '--exclude=*.test.ts',
      '--exclude=*.spec.ts',
      "from '(\\.\\./)+(simulators|demo|test)/",
      `${root}src`,
      `${root}projections`
    ])
    let found = ''
    imports.stdout.on('data', (chunk: Buffer) => (found += chunk.toString()))
    await new Promise((resolve) => imports.on('exit', resolve))
    t.equal(found, '', 'no production file imports a simulator, the demo or a test helper')
  }
)
