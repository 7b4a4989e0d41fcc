import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import t from 'tap'

/**
 * `npm run demo` (docs/demo.md) as a person runs it: the process starts both simulators and the
 * relay, prints the dashboard URL and a token, and its scenario makes every one of the nine
 * integration events happen (the vendor's eight stay active, HaloPSA's outage comes and goes);
 * Ctrl-C (SIGINT to its process group, as a terminal sends it) stops it with exit code 0.
 * DEMO_PACE=fast shortens the scenario's pauses; the story is the same.
 */

const root = fileURLToPath(new URL('../..', import.meta.url))
const eightTypes = [
  'gravityzone-company-not-found',
  'halopsa-client-not-found',
  'company-and-client-not-found',
  'recurring-invoice-missing',
  'halopsa-item-missing',
  'ticket-creation-failed',
  'invalid-ticketing-configuration',
  'ticket-closure-failed'
]

/** Polls `probe` until it returns a value, or fails after `timeoutMs`. */
const until = async <T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | Promise<T | undefined>
): Promise<T> => {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(100)
  }
}

t.test(
  'npm run demo: the dashboard and a token are printed, all eight event types become active, and Ctrl-C stops everything with exit code 0',
  async (t) => {
    const started = Date.now()
    const demo = spawn(process.execPath, ['--import', 'tsx', 'demo/main.ts'], {
      cwd: root,
      env: { ...process.env, PORT: '0', DEMO_PACE: 'fast', LOG_LEVEL: 'warn' },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    demo.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    demo.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    const exited = once(demo, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
    t.teardown(() => {
      if (demo.exitCode === null && demo.signalCode === null) process.kill(-demo.pid!, 'SIGKILL')
    })

    // Given the demo's banner,
    const [, port, token] = await until('the banner', 30_000, () => {
      if (demo.exitCode !== null) throw new Error(`the demo exited (${demo.exitCode}): ${stderr}`)
      return /Dashboard +http:\/\/localhost:(\d+)\/\n +API token +(\S+)/.exec(stdout) ?? undefined
    })
    const base = `http://127.0.0.1:${port}`
    t.equal((await fetch(`${base}/`)).status, 200, 'the dashboard is served')

    // when its scenario has run, then the vendor's eight event types are active at once,
    const count = await until('all eight event types', 90_000, async () => {
      const res = await fetch(`${base}/api/events/count`, { headers: { authorization: `Bearer ${token}` } })
      const body = (await res.json()) as { byType: Record<string, number> }
      return eightTypes.every((type) => (body.byType[type] ?? 0) > 0) ? body : undefined
    })
    t.comment(`all eight event types after ${Date.now() - started} ms`)
    t.same(Object.keys(count.byType).sort(), [...eightTypes, 'platform-unreachable'].sort())
    // and HaloPSA's outage raised the ninth, which closed by itself when HaloPSA came back.
    type Outage = { status: string; subject: { platform: string }; closedBy?: { reason?: string } }
    const outage = await until('the outage to come and go', 60_000, async () => {
      const res = await fetch(`${base}/api/events?type=platform-unreachable&status=closed`, {
        headers: { authorization: `Bearer ${token}` }
      })
      const body = (await res.json()) as { items: Outage[] }
      return body.items.length > 0 ? body : undefined
    })
    t.match(outage.items, [{ status: 'closed', subject: { platform: 'halopsa' }, closedBy: { reason: 'recovered' } }])
    const tickets = (await (
      await fetch(`${base}/api/audit?type=TicketCreated&limit=1000`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as { items: unknown[] }
    t.ok(tickets.items.length >= 4, 'security events became tickets')

    // When Ctrl-C reaches its process group, then it stops cleanly.
    process.kill(-demo.pid!, 'SIGINT')
    const [code, signal] = await Promise.race([
      exited,
      sleep(20_000, undefined, { ref: false }).then(() => {
        throw new Error(`the demo did not exit within 20 s after SIGINT:\n${stdout}`)
      })
    ])
    t.same({ code, signal }, { code: 0, signal: null }, 'exit code 0')
    t.match(stdout, /Stopped\.\n$/)
    // The one warning is the outage the scenario makes, logged once by the relay.
    const lines = stderr.split('\n').filter(Boolean)
    t.equal(lines.filter((l) => /"msg":"HaloPSA is unreachable: /.test(l)).length, 1, 'the outage is logged once')
    t.same(
      lines.filter((l) => !/"msg":"HaloPSA is unreachable: /.test(l)),
      [],
      'nothing else printed on stderr: no other warning, no error'
    )
  }
)
