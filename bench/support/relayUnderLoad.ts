import { spawn } from 'node:child_process'
import { buildApp } from '../../src/app.js'
import { createRelay } from '../../src/services/relay.js'
import type { EventStore } from '../../src/store/port.js'

/** The webhook secrets the benchmarked relay is configured with; the load generator signs with them. */
export const benchSecrets = {
  gravityzoneAuthorization: 'Bearer bench-push-secret-0123456789',
  gravityzoneApiKey: 'bench-api-key-0123',
  halopsaUser: 'u',
  halopsaPassword: 'p-0123456789ab'
}

/** What bench/support/load.ts prints: rates over the measured time, latency percentiles in ms. */
export type LoadFigures = {
  requests: number
  elapsed: number
  rps: number
  eventsPerSec: number
  p50: number
  p99: number
  errors: number
  statuses: Record<string, number>
  latencies?: number[]
}

/** The whole relay on a loopback port, as npm start runs it, over `store`. */
export const startBenchRelay = async (store: EventStore) => {
  // As npm start runs it: large deliveries prepared on one thread (INGEST_THREADS' default).
  const relay = createRelay({ store, ingestThreads: 1 })
  await relay.start()
  const app = await buildApp({
    relay,
    tokens: [{ name: 'bench', scope: 'operate', token: 'bench-token-0123456789' }],
    webhooks: benchSecrets
  })
  const url = await app.listen({ port: 0, host: '127.0.0.1' })
  return {
    url,
    async close() {
      await app.close()
      await relay.stop()
    }
  }
}

/**
 * Runs the load generator in its own process for `seconds` (async: the calling process may be the
 * server under test), with every latency so that runs taking turns can be combined.
 */
export const runLoad = (url: string, concurrency: number, kind: string, seconds: number): Promise<LoadFigures> =>
  new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'bench/support/load.ts',
        url,
        String(concurrency),
        String(seconds),
        kind,
        benchSecrets.gravityzoneApiKey,
        benchSecrets.gravityzoneAuthorization
      ],
      { env: { ...process.env, LOAD_LATENCIES: '1' } }
    )
    let out = ''
    let err = ''
    child.stdout.on('data', (d) => (out += d))
    child.stderr.on('data', (d) => (err += d))
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!) as LoadFigures) : reject(new Error(err))
    )
  })
