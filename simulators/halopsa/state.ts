/**
 * The simulated Halo instance's data: plain rows in Halo's own field names, one table per
 * resource. Rows are loosely typed on purpose: Halo objects have hundreds of properties and the
 * simulator keeps whatever a client posts, as Halo does.
 */

export type Row = Record<string, unknown>

export type Table<K extends number | string = number> = {
  rows: Map<K, Row>
  /** The id the next created row gets. */
  next(): K
  get(id: K): Row | undefined
}

/**
 * Numeric ids counting up (or down: recurring invoices have negative ids,
 * docs/platforms/halopsa.md#recurring-invoices).
 */
export const numericTable = (first: number, step: 1 | -1 = 1): Table<number> => {
  const rows = new Map<number, Row>()
  let nextId = first
  return {
    rows,
    next() {
      while (rows.has(nextId)) nextId += step
      const id = nextId
      nextId += step
      return id
    },
    get: (id) => rows.get(id)
  }
}

export const guidTable = (): Table<string> => {
  const rows = new Map<string, Row>()
  return { rows, next: () => crypto.randomUUID(), get: (id) => rows.get(id) }
}

export type SimData = {
  clients: Table
  items: Table
  /** Headers with their `lines` array inside (each line has `id` and `ihid`). */
  recurringInvoices: Table
  invoices: Table
  tickets: Table
  /** `Device` rows (`/api/Asset`). */
  assets: Table
  actions: Table
  statuses: Table
  ticketTypes: Table
  /** `Policy` rows: one per priority per SLA, with GUID ids (`GET /Priority` is a list of Policy). */
  priorities: Table<string>
  outcomes: Table
  licences: Table
  externalLinks: Table
  webhooks: Table<string>
  webhookEvents: Table<string>
  nextLineId(): number
  /** Ids of notifications (webhook events); from 41, the id a live "ticket status changed" payload carried. */
  nextNotificationId(): number
  /**
   * The status whose selection closes a ticket (9 on default installs,
   * docs/platforms/halopsa.md#tickets-and-actions).
   */
  closedStatusId: number
  /** Outcomes the API agent may not use ("You do not have access to this Action at the moment"). */
  forbiddenOutcomeIds: Set<number>
  /**
   * Ticket fields each ticket type insists on (Halo refuses a new ticket without them). Halo's
   * published `RequestTypeField` has no property saying so, so the simulator keeps this beside the
   * ticket types instead of inventing one in their `fields`.
   */
  mandatoryFields: Map<number, string[]>
  /** Items inactivated in Halo: left out of `GET /Item` unless `includeinactive`, still found by id. */
  inactiveItemIds: Set<number>
}

export const emptyData = (): SimData => {
  let lineId = 5000
  let notificationId = 41
  return {
    clients: numericTable(1),
    items: numericTable(1),
    recurringInvoices: numericTable(-1, -1),
    invoices: numericTable(1001),
    tickets: numericTable(1),
    assets: numericTable(1),
    actions: numericTable(1),
    statuses: numericTable(20),
    ticketTypes: numericTable(40),
    priorities: guidTable(),
    outcomes: numericTable(20),
    licences: numericTable(1),
    externalLinks: numericTable(1),
    webhooks: guidTable(),
    webhookEvents: guidTable(),
    nextLineId: () => ++lineId,
    nextNotificationId: () => notificationId++,
    closedStatusId: 9,
    forbiddenOutcomeIds: new Set(),
    mandatoryFields: new Map(),
    inactiveItemIds: new Set()
  }
}

/** Halo's "no date" (docs/platforms/halopsa.md#errors-and-wire-quirks). */
export const NULL_DATE = '1899-12-30T00:00:00'

/** Halo-style local timestamp without zone, e.g. 2026-01-31T09:15:00. */
export const haloTime = (ms: number): string => new Date(ms).toISOString().slice(0, 19)

export const num = (row: Row | undefined, key: string): number | undefined => {
  const v = row?.[key]
  if (typeof v === 'number') return v
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v)
  return undefined
}

export const str = (row: Row | undefined, key: string): string | undefined => {
  const v = row?.[key]
  return typeof v === 'string' ? v : undefined
}
