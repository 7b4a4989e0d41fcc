import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { Agent, get } from 'node:http'
import { fileURLToPath } from 'node:url'

/**
 * Asks `GET /health` every `intervalMs` from a process of its own, on its own connection, and
 * reports how long each answer took: what a liveness probe sees while the relay works. Measured
 * from inside the relay's process, a blocked event loop would also delay the measuring.
 *
 *   const probe = await startHealthProbe(url); …work…; const latencies = await probe.stop()
 */

export type HealthLatencies = { samples: number[]; failures: number }

/** Percentile of a list of numbers (nearest rank). */
export const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0
}

export const startHealthProbe = async (
  baseUrl: string,
  { intervalMs = 20 } = {}
): Promise<{ stop(): Promise<HealthLatencies> }> => {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), baseUrl, String(intervalMs)],
    {
      stdio: ['pipe', 'pipe', 'inherit']
    }
  )
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  // The probe says "ready" once its first answer came back.
  while (!out.includes('ready\n')) {
    if (child.exitCode !== null) throw new Error('the health probe exited before its first answer')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return {
    async stop() {
      child.stdin.end('stop\n')
      await once(child, 'exit')
      return JSON.parse(out.slice(out.indexOf('ready\n') + 6)) as HealthLatencies
    }
  }
}

const probe = async (baseUrl: string, intervalMs: number) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  const samples: number[] = []
  let failures = 0
  let stopping = false
  process.stdin.on('data', () => (stopping = true))
  const once = () =>
    new Promise<void>((resolve) => {
      const started = performance.now()
      const request = get(`${baseUrl}/health`, { agent, timeout: 10_000 }, (res) => {
        res.resume()
        res.on('end', () => {
          if (res.statusCode === 200) samples.push(performance.now() - started)
          else failures++
          resolve()
        })
      })
      request.on('timeout', () => request.destroy())
      request.on('error', () => {
        failures++
        resolve()
      })
    })
  await once()
  samples.length = 0
  failures = 0
  process.stdout.write('ready\n')
  while (!stopping) {
    const next = performance.now() + intervalMs
    await once()
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - performance.now())))
  }
  agent.destroy()
  process.stdout.write(JSON.stringify({ samples, failures }))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await probe(process.argv[2]!, Number(process.argv[3] ?? 20))
}
