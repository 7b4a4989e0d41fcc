import t from 'tap'
import { domainFact, type FactData } from '../../src/domain/facts.js'
import { usageDecider, type UsageCommand } from '../../src/domain/usage.js'
import { deciderSpec } from '../support/given.js'

/**
 * The usage decider (stream `usage-<mappingId>_<yyyy-mm>`): one mapping's billing for one month.
 * Billing the same usage again, or skipping for the same reason again, appends nothing, so a
 * billing run can be repeated for a month without adding a fact per run.
 */

const usage = deciderSpec(usageDecider)
type Line = FactData<'UsageBilled'>['lines'][number]
type SkipReason = FactData<'BillingSkipped'>['reason']

const line = (quantity: number, previousQuantity: number | null = null): Line => ({
  counter: 'endpointMonthlyUsage',
  itemId: 12,
  quantity,
  previousQuantity
})
const billedData = (lines: Line[]): FactData<'UsageBilled'> => ({
  mappingId: 'm1',
  month: '11/2026',
  gravityzoneCompanyId: 'c1',
  halopsaClientId: 101,
  recurringInvoiceId: -3,
  lines
})
const skippedData = (reason: SkipReason, detail?: string): FactData<'BillingSkipped'> => ({
  mappingId: 'm1',
  month: '11/2026',
  reason,
  ...(detail !== undefined ? { detail } : {})
})

const billed = (...lines: Line[]) => domainFact('UsageBilled', billedData(lines))
const skipped = (reason: SkipReason, detail?: string) => domainFact('BillingSkipped', skippedData(reason, detail))
const recordBilled = (...lines: Line[]): UsageCommand => ({ type: 'RecordBilled', data: billedData(lines) })
const recordSkipped = (reason: SkipReason, detail?: string): UsageCommand => ({
  type: 'RecordSkipped',
  data: skippedData(reason, detail)
})

t.test('RecordBilled', async (t) => {
  t.test("records the month's first billing", async (t) => {
    usage
      .given([])
      .when(recordBilled(line(40)))
      .then(t, [billed(line(40))])
  })
  t.test('appends nothing when the same usage is billed again', async (t) => {
    usage
      .given([billed(line(40))])
      .when(recordBilled(line(40)))
      .then(t, [])
  })
  t.test('compares quantities only: a different previous quantity is the same usage', async (t) => {
    usage
      .given([billed(line(40))])
      .when(recordBilled(line(40, 40)))
      .then(t, [])
  })
  t.test('records a change of usage within the month', async (t) => {
    usage
      .given([billed(line(40))])
      .when(recordBilled(line(41, 40)))
      .then(t, [billed(line(41, 40))])
  })
  t.test('records a change of lines: one more item billed', async (t) => {
    const edr: Line = { counter: 'edrMonthlyUsage', itemId: 13, quantity: 5, previousQuantity: null }
    usage
      .given([billed(line(40))])
      .when(recordBilled(line(40), edr))
      .then(t, [billed(line(40), edr)])
  })
  t.test('records the billing after a skip, even of the usage billed before it', async (t) => {
    usage
      .given([skipped('upstream-error')])
      .when(recordBilled(line(40)))
      .then(t, [billed(line(40))], 'after a skip')
    usage
      .given([billed(line(40)), skipped('invoice-missing')])
      .when(recordBilled(line(40)))
      .then(t, [billed(line(40))], 'billed, skipped, billed again')
  })
})

t.test('RecordSkipped', async (t) => {
  t.test("records why the month's billing was skipped", async (t) => {
    usage
      .given([])
      .when(recordSkipped('suspended'))
      .then(t, [skipped('suspended')])
  })
  t.test('appends nothing when skipped again for the same reason', async (t) => {
    usage
      .given([skipped('suspended')])
      .when(recordSkipped('suspended'))
      .then(t, [])
    usage
      .given([skipped('upstream-error', 'HTTP 503')])
      .when(recordSkipped('upstream-error', 'HTTP 503'))
      .then(t, [], 'same reason, same detail')
  })
  t.test('records a skip for another reason or with another detail', async (t) => {
    usage
      .given([skipped('suspended')])
      .when(recordSkipped('billing-disabled'))
      .then(t, [skipped('billing-disabled')])
    usage
      .given([skipped('upstream-error', 'HTTP 503')])
      .when(recordSkipped('upstream-error', 'timeout'))
      .then(t, [skipped('upstream-error', 'timeout')], 'same reason, another detail')
  })
  t.test('records a skip after a billing, even for a reason seen before it', async (t) => {
    usage
      .given([skipped('invoice-missing'), billed(line(40))])
      .when(recordSkipped('invoice-missing'))
      .then(t, [skipped('invoice-missing')])
  })
})
