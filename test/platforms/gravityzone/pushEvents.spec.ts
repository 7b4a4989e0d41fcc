import { createHash } from 'node:crypto'
import t from 'tap'
import { isSecurityModule, platformModules, securityModules } from '../../../src/platforms/gravityzone/modules.js'
import {
  parsePushDelivery,
  pushMd5,
  verifyPushAuthorization,
  verifyPushMd5
} from '../../../src/platforms/gravityzone/push.js'
import { parseEventTime } from '../../../src/platforms/gravityzone/pushEventFields.js'
import { classifyPushEvent, pushEventKey } from '../../../src/platforms/gravityzone/pushEvents.js'
import { makeEvent } from '../../../simulators/gravityzone/events/index.js'
import { createSimClock } from '../../../simulators/gravityzone/clock.js'
import { createSimState } from '../../../simulators/gravityzone/state.js'

const md5 = (text: string) => createHash('md5').update(text).digest('hex')

t.test('pushMd5 is md5hex(apiKey + md5hex(body)) and the verifier accepts exactly that', async (t) => {
  const body = '{"jsonrpc":"2.0","method":"addEvents","params":{"events":[]},"id":1}'
  t.equal(pushMd5('key', body), md5(`key${md5(body)}`))
  t.ok(verifyPushMd5('key', body, pushMd5('key', body).toUpperCase()), 'hex case does not matter')
  t.ok(verifyPushMd5('key', Buffer.from(body), [pushMd5('key', body)]))
  t.notOk(verifyPushMd5('key', `${body} `, pushMd5('key', body)), 'one byte more: refused')
  t.notOk(verifyPushMd5('key', body, undefined))
  t.notOk(verifyPushMd5('key', body, ''))
  t.ok(verifyPushMd5('key', body, `  ${pushMd5('key', body)} `), 'surrounding spaces do not matter')
  const good = pushMd5('key', body)
  for (const bad of [
    good.slice(1),
    `${good}0`,
    `${good.slice(0, 31)}g`,
    `${good.slice(0, 31)}\u0161`,
    `${good.slice(0, 16)} ${good.slice(17)}`
  ]) {
    t.notOk(
      verifyPushMd5('key', body, bad),
      `a header that is not 32 hex digits is refused without an exception (${JSON.stringify(bad)})`
    )
  }
  t.ok(verifyPushAuthorization('Bearer abc', 'Bearer abc'))
  t.notOk(verifyPushAuthorization('Bearer abc', 'Bearer abd'))
  t.notOk(verifyPushAuthorization('Bearer abc', 'Bearer abcd'))
  t.notOk(verifyPushAuthorization('Bearer abc', undefined))
})

t.test('parsePushDelivery refuses what is not an addEvents envelope, with a stable code', async (t) => {
  t.match(parsePushDelivery('not json'), { ok: false, error: { code: 'not_json' } })
  t.match(parsePushDelivery('[]'), { ok: false, error: { code: 'not_add_events' } })
  t.match(parsePushDelivery('{"jsonrpc":"2.0","method":"other","params":{"events":[]},"id":1}'), {
    ok: false,
    error: { code: 'not_add_events' }
  })
  t.match(parsePushDelivery('{"jsonrpc":"2.0","method":"addEvents","params":{"events":{}},"id":1}'), {
    ok: false,
    error: { code: 'not_add_events', message: /params.events/ }
  })
  const ok = parsePushDelivery('{"id":"7","jsonrpc":"2.0","method":"addEvents","params":{"events":[1,null]}}')
  t.match(ok, { ok: true, delivery: { rpcId: '7', events: [1, null] } })
  const same = parsePushDelivery(
    Buffer.from('{"id":"7","jsonrpc":"2.0","method":"addEvents","params":{"events":[1,null]}}')
  )
  t.equal(
    ok.ok && same.ok && ok.delivery.deliveryId === same.delivery.deliveryId,
    true,
    'the delivery id is the content hash'
  )
})

t.test('events that cannot be read are invalid, with the reason, never an exception', async (t) => {
  t.match(classifyPushEvent(null, 0), { kind: 'invalid', index: 0, reason: /not an object \(null\)/ })
  t.match(classifyPushEvent([1], 1), { kind: 'invalid', reason: /array/ })
  t.match(classifyPushEvent('av', 2), { kind: 'invalid', reason: /string/ })
  t.match(classifyPushEvent({ companyId: 'c' }, 3), { kind: 'invalid', reason: 'event has no module' })
  t.match(classifyPushEvent({ module: 7 }, 4), { kind: 'invalid', reason: 'event has no module' })
  t.match(classifyPushEvent({ module: '  ' }, 5), { kind: 'invalid' })
  t.match(
    classifyPushEvent({ module: 'something-new' }, 6),
    { kind: 'platform', module: 'something-new' },
    'an unknown module is kept as a platform event'
  )
  t.match(classifyPushEvent({ module: 'av', companyId: 42 }, 7), { kind: 'security', companyId: '42' })
  t.match(classifyPushEvent({ module: 'av', companyId: 'x'.repeat(65) }, 8), { kind: 'security', companyId: undefined })
})

t.test('times are parsed defensively', async (t) => {
  t.equal(parseEventTime('2024-07-12T08:33:13.000Z'), '2024-07-12T08:33:13.000Z')
  t.equal(parseEventTime('2017- 09 - 13T14: 20:37.000Z'), '2017-09-13T14:20:37.000Z')
  t.equal(parseEventTime(1505386969), '2017-09-14T11:02:49.000Z', 'epoch seconds')
  t.equal(parseEventTime('1505386969'), '2017-09-14T11:02:49.000Z', 'epoch seconds as text')
  t.equal(parseEventTime(1720773248505), '2024-07-12T08:34:08.505Z', 'epoch milliseconds')
  t.equal(parseEventTime('2022-12-30T23:59:00'), '2022-12-30T23:59:00.000Z', 'no zone means UTC')
  for (const bad of ['', 'yesterday', '0', 0, -5, 1e20, '1899-01-01T00:00:00Z', {}, null, true])
    t.equal(parseEventTime(bad), undefined, `${JSON.stringify(bad)} is unreadable`)
})

t.test('a canonical time reads exactly as Date would read it, impossible dates and edges included', async (t) => {
  // The canonical form is checked on its digits (no Date built): it must agree with Date.parse,
  // which rolls impossible values over (Feb 30 → Mar 1), everywhere near an edge.
  const viaDate = (value: string): string | undefined => {
    const ms = Date.parse(value)
    return Number.isNaN(ms) || ms < Date.UTC(2000, 0, 1) || ms >= Date.UTC(2100, 0, 1)
      ? undefined
      : new Date(ms).toISOString()
  }
  const pad = (n: number, width = 2) => String(n).padStart(width, '0')
  let checked = 0
  const disagreements: { value: string; got: string | undefined; date: string | undefined }[] = []
  for (const year of [1999, 2000, 2023, 2024, 2099, 2100, 2400])
    for (let month = 0; month <= 13; month++)
      for (const day of [0, 1, 28, 29, 30, 31, 32])
        for (const [hour, minute, second] of [
          [0, 0, 0],
          [23, 59, 59],
          [24, 0, 0],
          [12, 60, 0],
          [12, 0, 60]
        ] as const) {
          const value = `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}.250Z`
          if (parseEventTime(value) !== viaDate(value))
            disagreements.push({ value, got: parseEventTime(value), date: viaDate(value) })
          checked++
        }
  t.same(disagreements, [], `${checked} times checked`)
  t.equal(parseEventTime('2024-02-30T00:00:00.000Z'), '2024-03-01T00:00:00.000Z', 'rolled over, as before')
})

t.test('the event key ignores key order; the threat key ignores time and incident id', async (t) => {
  t.equal(
    pushEventKey({ a: 1, b: { c: 2, d: [1, { e: 3, f: 4 }] } }),
    pushEventKey({ b: { d: [1, { f: 4, e: 3 }], c: 2 }, a: 1 })
  )
  t.not(pushEventKey({ a: [1, 2] }), pushEventKey({ a: [2, 1] }), 'array order matters')
  const base = {
    module: 'av',
    companyId: 'c1',
    computer_id: 'e1',
    malware_name: 'X',
    hash: 'h',
    final_status: 'quarantined'
  }
  const one = classifyPushEvent({ ...base, timestamp: '2024-01-01T00:00:00Z' }, 0)
  const two = classifyPushEvent({ ...base, timestamp: '2024-01-02T00:00:00Z', final_status: 'deleted' }, 0)
  const other = classifyPushEvent({ ...base, computer_id: 'e2' }, 0)
  t.ok(one.kind === 'security' && two.kind === 'security' && other.kind === 'security')
  if (one.kind !== 'security' || two.kind !== 'security' || other.kind !== 'security') return
  t.not(one.eventKey, two.eventKey)
  t.equal(one.threatKey, two.threatKey)
  t.not(one.threatKey, other.threatKey)
  t.same(one.threatBasis, ['av', 'e1', ['h', 'X']])
})

t.test('blocked reads the outcome words, not just one field', async (t) => {
  const blocked = (event: Record<string, unknown>) => {
    const c = classifyPushEvent(event, 0)
    return c.kind === 'security' && c.blocked
  }
  for (const status of ['deleted', 'quarantined', 'cleaned', 'blocked'])
    t.ok(blocked({ module: 'av', final_status: status }), status)
  for (const status of ['ignored', 'present', ''])
    t.notOk(blocked({ module: 'av', final_status: status }), status || 'empty')
  t.ok(blocked({ module: 'uc', status: 'uc_site_blocked' }))
  t.notOk(blocked({ module: 'aph', status: 'reportOnly' }))
  t.notOk(blocked({ module: 'network-monitor', actionTaken: 'reportOnly' }))
  t.ok(blocked({ module: 'network-monitor', actionTaken: 'block' }))
  t.notOk(
    blocked({ module: 'exchange-malware', malware: [{ actionTaken: 'quarantine' }, { actionTaken: 'ignore' }] }),
    'every malware item must be stopped'
  )
  t.notOk(blocked({ module: 'exchange-malware', malware: [] }))
})

t.test('every simulator factory produces an event the classifier reads as the right kind', async (t) => {
  const clock = createSimClock()
  const state = createSimState({ clock, root: { id: 'a'.repeat(24), name: 'Root' } })
  const company = state.companies.create({ name: 'Customer' })
  const endpoint = state.endpoints.add({ companyId: company.id }, { silent: true })
  for (const module of [...securityModules, ...platformModules]) {
    const event = makeEvent(module, { company, endpoint, at: clock.now(), seq: 3 })
    const classified = classifyPushEvent(event, 0)
    t.equal(classified.kind, isSecurityModule(module) ? 'security' : 'platform', module)
    if (classified.kind === 'security') {
      t.equal(classified.endpointId, endpoint.id, `${module} names its endpoint`)
      t.type(classified.occurredAt, 'string', `${module} has a time`)
      t.type(classified.threatName, 'string', `${module} names the threat`)
    }
  }
  const noCompany = classifyPushEvent(
    makeEvent('av', { company, endpoint, at: clock.now(), seq: 1, variant: { omitCompanyId: true } }),
    0
  )
  t.match(noCompany, { kind: 'security', companyId: undefined, endpointId: endpoint.id })
})
