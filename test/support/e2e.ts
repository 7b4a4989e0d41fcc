import type { Test } from 'tap'
import { apiClient, startStack, type Stack, type StackOptions } from '../../demo/stack.js'
import { demoCustomers, type DemoCustomer } from '../../simulators/kit/demoSeed.js'

/** JSON from the API, read loosely in tests (the schemas are checked in test/http). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

/** The whole product on loopback for one test, with the API at hand. */
export type E2E = Stack & {
  api<T = Json>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>
  /** Creates a mapping for a demo customer through the API. */
  map(
    customer: DemoCustomer,
    options?: { billing?: boolean; ticketing?: boolean; items?: Record<string, number> }
  ): Promise<{ id: string }>
  /** Runs the polling checks now, and answers their report once done. */
  sync(): Promise<Json>
  /**
   * Runs a job now (`POST <path>`) and answers its result once done: the request waits up to 30 s,
   * then the run is followed with GET /api/jobs/:runId.
   */
  runJob(path: string): Promise<Json>
  event(type: string, status?: 'active' | 'closed' | 'all'): Promise<Json[]>
}

export const customers = demoCustomers.filter((c) => c.on === 'both')

export const e2e = async (t: Test, options: StackOptions = {}): Promise<E2E> => {
  const stack = await startStack({
    ticketingRetry: { minMs: 20, maxMs: 200, giveUpAfterMs: 1_000 },
    upstream: { timeoutMs: 3_000, retry: { retries: 2, minDelayMs: 20, maxDelayMs: 200, defaultRetryAfterMs: 200 } },
    ...options
  })
  t.teardown(() => stack.close())
  const api = apiClient(stack.url, stack.token)
  const self: E2E = {
    ...stack,
    api,
    async map(customer, o = {}) {
      const res = await api('POST', '/api/mappings', {
        gravityzoneCompanyId: customer.companyId,
        halopsaClientId: customer.clientId,
        billing: { enabled: o.billing ?? false, ...(o.items ? { items: o.items } : {}) },
        ticketing: { enabled: o.ticketing ?? false }
      })
      if (res.status !== 201) throw new Error(`mapping ${customer.name}: ${res.status} ${JSON.stringify(res.body)}`)
      return res.body
    },
    sync: () => self.runJob('/api/sync/run'),
    async runJob(path) {
      const res = await api('POST', `${path}${path.includes('?') ? '&' : '?'}wait=30`)
      if (res.status === 200) return res.body
      if (res.status !== 202) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`)
      for (;;) {
        const run = (await api('GET', `/api/jobs/${res.body.runId}`)).body
        if (run.status !== 'running') return { ...run.result, runId: run.runId, status: run.status }
        await new Promise((resolve) => setTimeout(resolve, 200))
      }
    },
    async event(type, status = 'all') {
      return (await api('GET', `/api/events?type=${type}&status=${status}`)).body.items
    }
  }
  return self
}
