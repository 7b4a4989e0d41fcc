import { newId as randomUUID } from '../../src/domain/ids.js'
import type { NewFact } from '../../src/store/port.js'

/**
 * A relay's history in miniature, for benchmarks: 2,000 mappings, then mostly GravityZone
 * deliveries and what ticketing made of each event (a ticket, notes on it, skips; tickets closed
 * 200 deliveries later), with the inventory flapping now and then (events raised and closed),
 * failed tickets acknowledged, rechecks, and monthly billing.
 */
const MAPPINGS = 2000
const metadata = (actor = 'scheduler') => ({
  correlationId: randomUUID(),
  causationId: randomUUID(),
  actor,
  recordedAt: new Date().toISOString()
})
const fact = (type: string, data: unknown, actor?: string): NewFact => ({
  id: randomUUID(),
  type,
  data,
  metadata: metadata(actor)
})
const companyId = (m: number) => m.toString(16).padStart(24, '0')

const avEvent = (m: number, n: number) => ({
  module: 'av',
  companyId: companyId(m),
  computer_name: `WKS-${n % 300}`,
  computer_fqdn: `wks-${n % 300}.corp.local`,
  computer_ip: '10.0.0.12',
  computer_id: `${m}-${n % 300}`,
  product_installed: 'BEST',
  malware_type: 'file',
  malware_name: `Trojan.Generic.${n % 97}`,
  file_path: `C:\\Users\\user${n % 40}\\AppData\\Local\\Temp\\x${n}.exe`,
  hash: 'a'.repeat(64),
  final_status: n % 3 ? 'quarantined' : 'deleted',
  timestamp: '2026-11-02T08:33:13.000Z',
  quarantined: 1,
  deleted: 0
})

export function* benchFacts(total: number): Generator<{ stream: string; facts: NewFact[] }> {
  let produced = 0
  const emit = (stream: string, facts: NewFact[]) => {
    produced += facts.length
    return { stream, facts }
  }
  for (let start = 0; start < MAPPINGS; start += 100) {
    yield emit(
      'mappingRegistry-main',
      Array.from({ length: 100 }, (_, k) =>
        fact(
          'MappingCreated',
          {
            mappingId: `m${start + k}`,
            gravityzoneCompanyId: companyId(start + k),
            gravityzoneCompanyName: `Company ${start + k}`,
            halopsaClientId: 1000 + start + k,
            halopsaClientName: `Client ${start + k}`,
            billing: { enabled: true, ...(k % 10 === 0 ? { items: { endpointMonthlyUsage: 12 } } : {}) },
            ticketing: { enabled: true }
          },
          'alice'
        )
      )
    )
  }
  yield emit('billingConfig-main', [
    fact('BillingConfigured', { items: { endpointMonthlyUsage: 12, edrMonthlyUsage: 13 } }, 'alice')
  ])
  /** The tickets still open, oldest first: each is closed 200 rounds after it was created. */
  const open: { mappingId: string; ticketId: number; threatKey: string }[] = []
  for (let round = 0; produced < total; round++) {
    const m = round % MAPPINGS
    const ids = { mappingId: `m${m}`, gravityzoneCompanyId: companyId(m), halopsaClientId: 1000 + m }
    const delivery = randomUUID()
    const threat = randomUUID()
    const events = Array.from({ length: 1 + (round % 20) }, () => randomUUID())
    yield emit(
      `gzDelivery-${delivery}`,
      events.map((eventKey, i) =>
        fact(
          'SecurityEventReceived',
          {
            deliveryId: delivery,
            index: i,
            eventKey,
            threatKey: threat,
            module: 'av',
            companyId: ids.gravityzoneCompanyId,
            endpointId: `${m}-${i}`,
            endpointName: `WKS-${i}`,
            threatName: `Trojan.Generic.${i}`,
            blocked: true,
            isTest: false,
            occurredAt: '2026-11-02T08:33:13.000Z',
            event: avEvent(m, round + i)
          },
          'gravityzone'
        )
      )
    )
    // What ticketing made of each event: a ticket for the first, then notes on it and skips.
    const ticketId = 10_000 + round
    const base = { mappingId: ids.mappingId, ticketId, threatKey: threat }
    yield emit(
      `ticket-${threat}`,
      events.map((securityEventKey, i) =>
        i === 0
          ? fact('TicketCreated', {
              ...ids,
              ticketId,
              threatKey: threat,
              securityEventKey,
              summary: 'Malware quarantined on WKS-0',
              blocked: true
            })
          : i % 2 === 1
            ? fact('TicketNoteAdded', { ...base, securityEventKey })
            : fact('TicketingSkipped', {
                securityEventKey,
                module: 'av',
                companyId: ids.gravityzoneCompanyId,
                mappingId: ids.mappingId,
                reason: 'module-not-ticketed'
              })
      )
    )
    open.push(base)
    if (open.length > 200) {
      const closing = open.shift()!
      yield emit(`ticket-${closing.threatKey}`, [
        fact('TicketClosed', { ...closing, by: round % 2 ? 'auto-close' : 'technician', statusId: 9 })
      ])
    }
    if (round % 50 === 0) {
      // The inventory flaps: a company disappears, an operator rechecks, it is found again.
      yield emit(`mappingHealth-m${m}`, [fact('CompanyNotFound', ids)])
      yield emit(`mappingHealth-m${m}`, [
        fact('CompanyFound', { mappingId: ids.mappingId, gravityzoneCompanyId: ids.gravityzoneCompanyId })
      ])
      yield emit(`mappingHealth-m${m}`, [
        fact('InvoiceMissing', { mappingId: ids.mappingId, halopsaClientId: ids.halopsaClientId })
      ])
    }
    if (round % 75 === 0) {
      const failed = fact('TicketCreateFailed', {
        ...ids,
        threatKey: threat,
        securityEventKey: randomUUID(),
        cause: 'transient',
        status: 503,
        message: 'HaloPSA answered 503',
        attempts: 5
      })
      yield emit(`ticket-${randomUUID()}`, [failed])
      yield emit(`integrationEvent-${failed.id}`, [
        fact('EventAcknowledged', { eventId: failed.id, eventType: 'ticket-creation-failed' }, 'alice')
      ])
    }
    if (round % 100 === 0) {
      yield emit(`usage-m${m}_2026-10`, [
        fact('UsageBilled', {
          ...ids,
          month: '10/2026',
          recurringInvoiceId: -(m + 1),
          lines: [{ counter: 'endpointMonthlyUsage', itemId: 12, quantity: 40, previousQuantity: 38 }]
        })
      ])
    }
  }
}
