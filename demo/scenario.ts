import { setTimeout as sleep } from 'node:timers/promises'
import { eventTypeIds } from '../src/domain/integrationEvents.js'
import { usageMonth } from '../src/platforms/gravityzone/usage.js'
import { demoCustomers, demoItems, type DemoCustomer } from '../simulators/kit/demoSeed.js'
import { apiClient, type Stack } from './stack.js'

/**
 * The story `npm run demo` tells (docs/demo.md#the-scenario): an operator sets the relay up through
 * its API, security events flow into HaloPSA tickets, then one thing after another goes wrong on
 * the simulated platforms until each of the vendor's eight integration events
 * (docs/integration-events.md#the-nine-events) is on the dashboard, and HaloPSA has a short outage
 * (the ninth, platform-unreachable, raised and closed by itself; about 50 s at the normal pace).
 * What needs a person is left active, with a hint; what needs HaloPSA or GravityZone back in shape
 * is put back, so that Recheck closes it. Then a trickle of security events keeps the tickets
 * coming until the signal aborts. The platforms are changed the way their users would change them
 * (in-process, on the simulators); the relay only through its HTTP API.
 */

export type ScenarioOptions = {
  log(line: string): void
  /** Something that did not go as scripted: the demo goes on. */
  warn(line: string): void
  signal: AbortSignal
  /** `fast` shortens the pauses (tests); `normal` gives a person time to watch the dashboard. */
  pace?: 'normal' | 'fast'
}

const paces = {
  normal: { step: 3_500, trickle: 10_000 },
  fast: { step: 150, trickle: 1_000 }
}

// The API's JSON, read loosely as an operator's script would.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

const ticketing = {
  ticketTypeId: 1,
  priorityId: 3,
  closedStatusName: 'Closed',
  autoCloseBlocked: true,
  modules: ['av', 'hd', 'aph', 'ransomware-mitigation', 'antiexploit']
}
const edrItem = demoItems.find((i) => i.counter === 'edrMonthlyUsage')!
const billingItems = {
  endpointMonthlyUsage: demoItems.find((i) => i.counter === 'endpointMonthlyUsage')!.id,
  edrMonthlyUsage: edrItem.id
}

/** Who plays which part: the first twelve customers present on both platforms. */
const cast = demoCustomers.filter((c) => c.on === 'both').slice(0, 12)
const [acme, birch, cobalt, dunmore, elmstead, fenwick, greystone, harbour, ironbridge, juniper] = cast as [
  DemoCustomer,
  DemoCustomer,
  DemoCustomer,
  DemoCustomer,
  DemoCustomer,
  DemoCustomer,
  DemoCustomer,
  DemoCustomer,
  DemoCustomer,
  DemoCustomer
]
/** Customers whose mappings stay healthy, for the trickle. */
const healthy = cast.filter((c) => ![dunmore, elmstead, fenwick].includes(c))

/** What the trickle sends, in turn: module and variant (quarantined threats get closed automatically). */
const trickleEvents: [string, Record<string, unknown>][] = [
  ['av', { finalStatus: 'quarantined' }],
  ['hd', { blocked: false, finalStatus: 'present' }],
  ['aph', {}],
  ['av', { blocked: false, finalStatus: 'present' }],
  ['ransomware-mitigation', {}],
  ['hd', { finalStatus: 'deleted' }]
]

const tell = async (stack: Stack, options: ScenarioOptions): Promise<never> => {
  const { signal } = options
  const pace = paces[options.pace ?? 'normal']
  const started = Date.now()
  const log = (line: string) => {
    const s = Math.floor((Date.now() - started) / 1000)
    options.log(`[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}] ${line}`)
  }
  const halo = stack.halopsa.state
  const gz = stack.gravityzone

  const call = apiClient(stack.url, stack.token)
  const api = async (method: string, path: string, body?: unknown): Promise<Json> => {
    const res = await call(method, path, body, signal)
    if (res.status >= 400)
      throw Object.assign(
        new Error(`${method} ${path} answered ${res.status}: ${res.body?.error?.message ?? JSON.stringify(res.body)}`),
        { status: res.status }
      )
    return res.body
  }
  /** A job run followed to its end through GET /api/jobs/:runId: its result and how it ended. */
  const follow = async (runId: string): Promise<Json> => {
    for (;;) {
      const run = await api('GET', `/api/jobs/${runId}`)
      if (run.status !== 'running') return { ...run.result, status: run.status, errors: run.errors ?? [] }
      await sleep(250, undefined, { signal })
    }
  }
  /**
   * A run of a job, as an operator's script runs one: the answer within 10 s, or the run's id to
   * follow (202); when the scheduler has the job running already (409), that run is waited for and
   * the job run again, since it may have started before the change the script wants checked.
   */
  const runJob = async (path: string): Promise<Json> => {
    for (;;) {
      const res = await call('POST', path, undefined, signal)
      if (res.status === 200) return res.body
      if (res.status === 202) return follow(res.body.runId)
      const running = res.body?.error?.details?.runId
      if (res.status !== 409 || !running)
        throw new Error(`POST ${path} answered ${res.status}: ${res.body?.error?.message ?? JSON.stringify(res.body)}`)
      await follow(running)
    }
  }
  /** Until the relay has handled everything appended so far (tickets written, events projected). */
  const settle = async () => {
    const done = stack.settle()
    // Ctrl-C need not wait for the relay to catch up (the listener goes, or the trickle would pile them up).
    let onAbort = () => {}
    const aborted = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', (onAbort = () => reject(signal.reason)), { once: true })
    )
    await Promise.race([done, aborted]).finally(() => signal.removeEventListener('abort', onAbort))
  }
  const sync = async () => {
    await runJob('/api/sync/run')
    await settle()
  }
  const activeEvent = async (type: string): Promise<Json | undefined> =>
    (await api('GET', `/api/events?type=${type}&status=active`)).items[0]
  /** Waits (up to `ms`) for an event of `type` to become active, as an operator watching the dashboard. */
  const raisedWithin = async (type: string, ms: number): Promise<string> => {
    const deadline = Date.now() + ms
    while (!(await activeEvent(type)) && Date.now() < deadline) await sleep(100, undefined, { signal })
    return raised(type)
  }
  const raised = async (type: string): Promise<string> => {
    const event = await activeEvent(type)
    if (!event) {
      options.warn(`expected a "${type}" event, and none is active`)
      return '(no event)'
    }
    return `⚠ ${event.title}`
  }
  const mappingIds = new Map<DemoCustomer, string>()

  const tickets = () => [...halo.data().tickets.rows.values()] as Json[]
  /** GravityZone detects something on one of the customer's endpoints; its push service delivers it. */
  const detect = async (customer: DemoCustomer, module: string, variant: Record<string, unknown>) => {
    const before = new Set(tickets().map((t) => t.id))
    const notes = halo.data().actions.rows.size
    const event = gz.generate(module, customer.companyId, { variant })
    const report = await gz.push.send([{ event }])
    if (report.sent === 0)
      options.warn(`GravityZone did not push the ${module} event (${JSON.stringify(report.filtered)})`)
    await settle()
    const what = `${module} event on ${String(event.computer_name ?? event.computerName ?? 'an endpoint')} (${customer.name})`
    const ticket = tickets().find((t) => !before.has(t.id) && t.client_id === customer.clientId)
    if (ticket)
      return {
        what,
        ticket,
        outcome: `ticket #${ticket.id}${ticket.hasbeenclosed ? ' (closed automatically: threat blocked)' : ''}`
      }
    if (halo.data().actions.rows.size > notes) return { what, outcome: 'a note on its open ticket (same threat again)' }
    return { what, outcome: 'no ticket (see the audit for why)' }
  }
  /** One step of the story, told in a line (the first) and maybe a few indented ones. */
  const step = async (work: () => Promise<string | string[]>) => {
    try {
      const [first, ...more] = [await work()].flat()
      log(first!)
      for (const line of more) options.log(`        ${line}`)
    } catch (error) {
      if (signal.aborted) throw error
      options.warn(`a demo step failed: ${(error as Error).message}`)
    }
    await sleep(pace.step, undefined, { signal })
  }

  // An operator's set-up, through the API.
  await step(async () => {
    await api('PUT', '/api/config/billing', { items: billingItems })
    await api('PUT', '/api/config/ticketing', ticketing)
    for (const c of cast) {
      const m = await api('POST', '/api/mappings', {
        gravityzoneCompanyId: c.companyId,
        halopsaClientId: c.clientId,
        billing: { enabled: c.billed },
        ticketing: { enabled: true }
      })
      mappingIds.set(c, m.id)
    }
    await sync()
    const month = usageMonth(new Date())
    const billing = await runJob(`/api/billing/run?month=${month}`)
    return `Configured billing items and ticketing, mapped ${cast.length} customers, polled both platforms, billed ${billing.billed} recurring invoices for ${month}`
  })

  await step(async () => {
    const lines = [
      await detect(acme, 'av', { finalStatus: 'quarantined' }),
      await detect(birch, 'hd', { blocked: false, finalStatus: 'present' }),
      await detect(cobalt, 'aph', {})
    ]
    return [
      'GravityZone pushes security events; the relay turns them into HaloPSA tickets:',
      ...lines.map((l) => `${l.what} → ${l.outcome}`)
    ]
  })

  await step(async () => {
    const open = tickets().find((t) => t.client_id === birch.clientId && !t.hasbeenclosed)
    if (!open) return 'No open ticket for a technician to close'
    halo.closeTicket(open.id)
    await stack.halopsa.webhooks.idle()
    await settle()
    const seen = (await api('GET', '/api/audit?type=TicketClosed&limit=1000')).items.some(
      (f: Json) => f.data.ticketId === open.id && f.data.by === 'technician'
    )
    return `A technician closes ticket #${open.id} in HaloPSA → ${seen ? "HaloPSA's webhook tells the relay" : 'the relay has not heard of it yet'}`
  })

  await step(async () => {
    gz.state.companies.delete(dunmore.companyId)
    await sync()
    return `${dunmore.name} is deleted in GravityZone → poll → ${await raised('gravityzone-company-not-found')} (mapping suspended)`
  })

  await step(async () => {
    halo.updateClient(elmstead.clientId, { inactive: true })
    await sync()
    return `${elmstead.name} is made inactive in HaloPSA → poll → ${await raised('halopsa-client-not-found')}`
  })

  await step(async () => {
    gz.state.companies.delete(fenwick.companyId)
    halo.deleteClient(fenwick.clientId)
    await sync()
    return `${fenwick.name} is deleted on both platforms → poll → ${await raised('company-and-client-not-found')}`
  })

  await step(async () => {
    const mapping = await api('GET', `/api/mappings/${mappingIds.get(greystone)}`)
    const invoiceId = mapping.billing.recurringInvoiceId
    if (invoiceId === undefined || !halo.deleteRecurringInvoice(invoiceId))
      throw new Error(`${greystone.name} has no linked recurring invoice to delete`)
    await sync()
    return `${greystone.name}'s recurring invoice is deleted in HaloPSA → poll → ${await raised('recurring-invoice-missing')}`
  })

  const savedItem = { ...halo.data().items.rows.get(edrItem.id) }
  await step(async () => {
    halo.deleteItem(edrItem.id)
    await sync()
    return `Item #${edrItem.id} (${edrItem.name}) is deleted in HaloPSA → poll → ${await raised('halopsa-item-missing')}`
  })

  await step(async () => {
    // One refusal that is not about the ticketing configuration: HaloPSA answers 400 once.
    stack.halopsa.faults.add({
      match: 'POST /api/Tickets',
      status: 400,
      count: 1,
      body: { ClassName: 'HaloException', Message: 'New tickets cannot be logged for this client at the moment.' }
    })
    const { what } = await detect(harbour, 'av', { blocked: false, finalStatus: 'present' })
    return `HaloPSA refuses the ticket for the ${what} → ${await raised('ticket-creation-failed')}`
  })

  await step(async () => {
    halo.setMandatoryFields(ticketing.ticketTypeId, ['category_1'])
    const { what } = await detect(ironbridge, 'hd', { blocked: false, finalStatus: 'present' })
    const outcome = await raised('invalid-ticketing-configuration')
    halo.setMandatoryFields(ticketing.ticketTypeId, [])
    return `HaloPSA's "Incident" ticket type now demands a category: the ${what} → ${outcome}; the field is made optional again`
  })

  await step(async () => {
    const closed = { ...halo.data().statuses.get(9) }
    halo.removeStatus(9)
    const { what, ticket } = await detect(juniper, 'av', { finalStatus: 'quarantined' })
    const outcome = await raised('ticket-closure-failed')
    halo.data().statuses.rows.set(9, closed)
    return `HaloPSA's "Closed" status is removed: the ${what} → ticket #${String(ticket?.id ?? '?')}, ${outcome}; the status is put back`
  })

  await step(async () => {
    // An outage: HaloPSA stops answering. The poll is not waited for (its calls are retried).
    await stack.halopsa.stop()
    const started = await call('POST', '/api/sync/run?wait=0', undefined, signal)
    const outcome = await raisedWithin('platform-unreachable', 30_000)
    await sleep(2 * pace.step, undefined, { signal }) // time to see the banner
    await stack.halopsa.resume()
    if (started.status === 202) await follow(started.body.runId)
    await sync()
    const closed = (await activeEvent('platform-unreachable')) === undefined
    return `HaloPSA stops answering → poll → ${outcome} (a banner on every page); back a moment later → ${closed ? 'the next poll closes it by itself' : 'it is still active'}`
  })

  await step(async () => {
    gz.state.companies.create({ id: dunmore.companyId, name: dunmore.name, type: 1 })
    halo.data().items.rows.set(edrItem.id, savedItem)
    const count = await api('GET', '/api/events/count')
    const raisedOnce = async (type: string) =>
      count.byType?.[type] > 0 || (await api('GET', `/api/events?type=${type}&status=all&limit=1`)).items.length > 0
    const missing: string[] = []
    for (const type of eventTypeIds) if (!(await raisedOnce(type))) missing.push(type)
    if (missing.length > 0) options.warn(`not raised: ${missing.join(', ')}`)
    return [
      missing.length === 0
        ? `All nine kinds of integration event have been raised; ${count.active} events are active on the dashboard`
        : `${count.active} active events on the dashboard`,
      `${dunmore.name} is back in GravityZone and item #${edrItem.id} in HaloPSA; on the dashboard, try`,
      '  Recheck events → closes "GravityZone company not found", "HaloPSA item missing" and "Invalid ticketing configuration"',
      '    (the next poll, every 5 minutes, would find them fixed too)',
      `  Resolve → deletes the mappings of ${elmstead.name} and ${fenwick.name}`,
      `  Generate Recurring Invoice on ${greystone.name}'s mapping → closes "Recurring invoice missing"`,
      '  OK → acknowledges the ticket creation and closure failures',
      `A security event every ${pace.trickle / 1000} s from now on; Ctrl-C stops the demo`
    ]
  })

  for (let i = 0; ; i++) {
    const [module, variant] = trickleEvents[i % trickleEvents.length]!
    const customer = healthy[i % healthy.length]!
    try {
      const { what, outcome } = await detect(customer, module, variant)
      log(`${what} → ${outcome}`)
    } catch (error) {
      if (signal.aborted) throw error
      options.warn(`a security event could not be sent: ${(error as Error).message}`)
    }
    await sleep(pace.trickle, undefined, { signal })
  }
}

/** Tells the story, then keeps the trickle going; resolves once `signal` aborts. */
export const runScenario = async (stack: Stack, options: ScenarioOptions): Promise<void> => {
  try {
    await tell(stack, options)
  } catch (error) {
    if (!options.signal.aborted) throw error
  }
}
