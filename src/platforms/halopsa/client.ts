import { systemClock, type Clock } from '../transport/clock.js'
import { createTransport, defaultRetryPolicy, type RetryPolicy, type TransportOptions } from '../transport/transport.js'
import { createTokenSource, type HaloCredentials } from './auth.js'
import { createHaloHttp } from './http.js'
import { createArrivalWindow, type ArrivalWindow } from './limiter.js'
import { createClientsApi, createItemsApi, type HaloClients, type HaloItems } from './resources/clients.js'
import {
  createLookupsApi,
  type HaloPriorities,
  type HaloStatuses,
  type HaloTicketTypes,
  type HaloWebhooks
} from './resources/lookups.js'
import { createRecurringInvoicesApi, type HaloRecurringInvoices } from './resources/recurringInvoices.js'
import { createAssetsApi, type HaloAssets } from './resources/assets.js'
import { createTicketsApi, type HaloTickets } from './resources/tickets.js'

/**
 * The relay's HaloPSA client: one rolling-window limiter for every call including the token
 * endpoint (Halo counts both; docs/platforms/halopsa.md#rate-limits), one token cache, one
 * connection pool.
 */

export type HaloPsaClientOptions = HaloCredentials & {
  /**
   * The rolling window (default 250 per 5 minutes: Halo publishes ~300 and other integrations
   * share the instance), counted so that Halo's arrival-time window never sees more (limiter.ts).
   */
  limits?: { limit: number; windowMs: number }
  /** Share of the window left to ticket work (HALO_TICKET_RESERVE; default 0.2): budget.ts. */
  ticketReserve?: number
  /** Per-call deadline (default 15 s). */
  timeoutMs?: number
  /** Default: 4 retries with 250 ms–30 s backoff, and a 30 s pause after a 429 without Retry-After. */
  retry?: Partial<RetryPolicy>
  /** Page size for lists other than tickets (default 100). */
  pageSize?: number
  clock?: Clock
  onCall?: TransportOptions['onCall']
}

export type HaloPsaClient = {
  clients: HaloClients
  items: HaloItems
  recurringInvoices: HaloRecurringInvoices
  tickets: HaloTickets
  assets: HaloAssets
  statuses: HaloStatuses
  ticketTypes: HaloTicketTypes
  priorities: HaloPriorities
  webhooks: HaloWebhooks
  /** The shared limiter (for metrics and tests). */
  limiter: ArrivalWindow
  stats(): { calls: number; retries: number; failures: number; tokenRequests: number }
  close(): Promise<void>
}

const defaultHaloLimits = { limit: 250, windowMs: 300_000 }

export const createHaloPsaClient = (options: HaloPsaClientOptions): HaloPsaClient => {
  if (!/^https?:\/\//.test(options.url)) throw new TypeError('HaloPSA url must be an http(s) URL')
  if (options.authUrl !== undefined && !/^https?:\/\//.test(options.authUrl))
    throw new TypeError('HaloPSA authUrl must be an http(s) URL')
  if (!options.clientId || !options.clientSecret) throw new TypeError('HaloPSA clientId and clientSecret are required')
  const clock = options.clock ?? systemClock
  const limits = options.limits ?? defaultHaloLimits
  const limiter = createArrivalWindow({
    limit: limits.limit,
    windowMs: limits.windowMs,
    clock,
    ...(options.ticketReserve !== undefined ? { ticketReserve: options.ticketReserve } : {})
  })
  // Without Retry-After, wait 30 s: a few seconds is too short for a 5-minute rolling window
  // (docs/platforms/halopsa.md#rate-limits; https://github.com/homotechsual/HaloAPI/issues/31).
  const retry = { ...defaultRetryPolicy, defaultRetryAfterMs: 30_000, ...options.retry }
  // Base URL '' because the token URL may sit on another host (HALO_AUTH_URL); callers pass full URLs.
  const transport = createTransport({
    platform: 'halopsa',
    baseUrl: '',
    retry,
    limiter,
    clock,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    // The transport reports every attempt exactly once: that is when its window slot starts to age.
    onCall: (event) => {
      limiter.settled()
      options.onCall?.(event)
    }
  })
  const tokens = createTokenSource({
    credentials: options,
    transport,
    // Every call needs a token, ticket work included: the token request may use the whole window.
    limiter: limiter.forClass('tickets'),
    clock,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {})
  })
  const http = createHaloHttp({
    instanceUrl: options.url,
    transport,
    tokens,
    limiter,
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {})
  })
  const pageSize = options.pageSize ?? 100

  return {
    clients: createClientsApi(http, pageSize),
    items: createItemsApi(http, pageSize),
    recurringInvoices: createRecurringInvoicesApi(http),
    tickets: createTicketsApi(http),
    assets: createAssetsApi(http),
    ...createLookupsApi(http),
    limiter,
    stats: () => {
      const s = transport.stats()
      return {
        calls: s.calls ?? 0,
        retries: s.retries ?? 0,
        failures: s.failures ?? 0,
        tokenRequests: tokens.stats().requested
      }
    },
    close: () => transport.close()
  }
}
