import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../../src/app.js'
import { dashboardRoutes } from '../../../src/http/routes/dashboard.js'
import { createRelay, type PlatformServices, type Relay } from '../../../src/services/relay.js'
import { openSqliteStore } from '../../../src/store/sqlite/sqliteStore.js'
import { demoCustomers, type DemoCustomer } from '../../../simulators/kit/demoSeed.js'
import { tokens, webhookSecrets } from '../../support/app.js'

/**
 * A relay on an in-memory store with the dashboard, listening on 127.0.0.1:0 for a real browser.
 *
 * The platforms are outside the relay; here they are the demo MSP's directory (the names the
 * simulators seed, simulators/kit/demoSeed.ts), so mappings carry real-looking names
 * and unknown ids are refused, and "Generate Recurring Invoice" gets an invoice id. Rechecks have
 * no platform to ask, so they complete as "failed" (the relay's own behaviour without platforms).
 */

const inGravityZone = (c: DemoCustomer) => c.on !== 'halopsa'
const inHaloPsa = (c: DemoCustomer) => c.on !== 'gravityzone'

export const demoPlatforms = (): PlatformServices => ({
  directory: {
    company: async (id) => {
      const c = demoCustomers.find((x) => x.companyId === id && inGravityZone(x))
      return c ? { id, name: c.name } : null
    },
    client: async (id) => {
      const c = demoCustomers.find((x) => x.clientId === id && inHaloPsa(x))
      return c ? { id, name: c.name, inactive: false } : null
    }
  },
  // HaloPSA gives recurring invoices negative ids (docs/platforms/halopsa.md#recurring-invoices).
  makeInvoice: async (mapping) => ({
    recurringInvoiceId: -(5000 + mapping.halopsaClientId),
    name: `GravityZone usage (${mapping.halopsaClientName ?? mapping.halopsaClientId})`
  })
})

export type DashboardRelay = {
  app: FastifyInstance
  relay: Relay
  url: string
  /** A call to the relay's API with the operator's token (or another). */
  api<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: T }>
  close(): Promise<void>
}

export const startDashboardRelay = async (): Promise<DashboardRelay> => {
  const store = openSqliteStore({ path: ':memory:' })
  const relay = createRelay({ store, platforms: demoPlatforms() })
  await relay.start()
  const app = await buildApp({
    relay,
    tokens: [
      { name: 'alice', scope: 'operate', token: tokens.operator },
      { name: 'grafana', scope: 'read', token: tokens.reader }
    ],
    webhooks: webhookSecrets,
    plugins: [dashboardRoutes()]
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  return {
    app,
    relay,
    url,
    async api<T>(method: string, path: string, body?: unknown, token = tokens.operator) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {})
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {})
      })
      const text = await response.text()
      return { status: response.status, body: (text ? JSON.parse(text) : null) as T }
    },
    async close() {
      await app.close()
      await relay.stop()
      await store.close()
    }
  }
}
