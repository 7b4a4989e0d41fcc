import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { createRelay, type PlatformServices, type Relay } from '../../src/services/relay.js'
import type { EventStore } from '../../src/store/port.js'
import { openSqliteStore } from '../../src/store/sqlite/sqliteStore.js'
import type { StreamLimits } from '../../src/http/streams.js'

export const tokens = {
  operator: 'operator-token-0123456789abcdef',
  reader: 'reader-token-0123456789abcdef'
}
export const webhookSecrets = {
  gravityzoneAuthorization: 'Bearer push-secret-0123456789',
  gravityzoneApiKey: 'gz-api-key-0123456789',
  halopsaUser: 'halo-webhook',
  halopsaPassword: 'halo-webhook-password'
}

export const auth = (token: string = tokens.operator) => ({ authorization: `Bearer ${token}` })

/** A relay app on a given store (default: a fresh in-memory SQLite store), read models started. */
export const testApp = async (
  options: {
    store?: EventStore
    platforms?: PlatformServices
    authFailures?: { limit: number; windowMs: number }
    /** Preparation threads and events per push delivery (INGEST_THREADS, PUSH_MAX_EVENTS). */
    ingest?: { ingestThreads?: number; pushMaxEvents?: number }
    trustProxy?: boolean | number | string[]
    live?: Partial<StreamLimits>
    plugins?: ((app: FastifyInstance) => Promise<void>)[]
  } = {}
): Promise<{ app: FastifyInstance; relay: Relay; close(): Promise<void> }> => {
  const store = options.store ?? openSqliteStore({ path: ':memory:' })
  const relay = createRelay({
    store,
    ...(options.platforms ? { platforms: options.platforms } : {}),
    ...options.ingest
  })
  await relay.start()
  const app = await buildApp({
    relay,
    tokens: [
      { name: 'alice', scope: 'operate', token: tokens.operator },
      { name: 'grafana', scope: 'read', token: tokens.reader }
    ],
    webhooks: webhookSecrets,
    ...(options.authFailures ? { authFailures: options.authFailures } : {}),
    ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
    ...(options.live ? { live: options.live } : {}),
    ...(options.plugins ? { plugins: options.plugins } : {})
  })
  await app.ready()
  return {
    app,
    relay,
    async close() {
      await app.close()
      await relay.stop()
      await store.close()
    }
  }
}
