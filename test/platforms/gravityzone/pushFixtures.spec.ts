import { readFileSync } from 'node:fs'
import t from 'tap'
import {
  classifyPushEvents,
  type ClassifiedPushEvent,
  type SecurityPushEvent
} from '../../../src/platforms/gravityzone/pushEvents.js'
import { parsePushDelivery } from '../../../src/platforms/gravityzone/push.js'

/**
 * The published deliveries (test/fixtures/gravityzone/push-samples.jsonl, Elastic's Bitdefender samples):
 * every one must parse, every event must be kept, and every security module the fixture README lists
 * must be recognised as security.
 */
const fixture = new URL('../../fixtures/gravityzone/push-samples.jsonl', import.meta.url)
const readmeModules = [
  'av',
  'hd',
  'avc',
  'aph',
  'fw',
  'dp',
  'uc',
  'antiexploit',
  'network-monitor',
  'network-sandboxing',
  'ransomware-mitigation',
  'new-incident',
  'exchange-malware',
  'storage-antimalware',
  'device-control'
]

const lines = readFileSync(fixture, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
const deliveries = lines.map((line) => ({ line, parsed: parsePushDelivery(line) }))
const classified: ClassifiedPushEvent[][] = deliveries.map(({ parsed }) =>
  parsed.ok ? classifyPushEvents(parsed.delivery.events) : []
)
const all = classified.flat()
const security = all.filter((e): e is SecurityPushEvent => e.kind === 'security')
const byModule = (module: string) => security.filter((e) => e.module === module)

t.test('every published delivery parses as an addEvents envelope', async (t) => {
  t.equal(lines.length, 37)
  for (const [i, { parsed }] of deliveries.entries()) t.ok(parsed.ok, `delivery ${i + 1} parses`)
})

t.test('every event is kept: none is invalid and the count matches the deliveries', async (t) => {
  const total = deliveries.reduce((n, { parsed }) => n + (parsed.ok ? parsed.delivery.events.length : 0), 0)
  t.equal(total, 41)
  t.equal(all.length, total)
  t.same(
    all.filter((e) => e.kind === 'invalid'),
    []
  )
})

t.test('every security module of the fixture README is recognised as security', async (t) => {
  const seen = new Set(security.map((e) => e.module))
  for (const module of readmeModules) t.ok(seen.has(module as SecurityPushEvent['module']), `${module} is security`)
  const platformModules = new Set(all.filter((e) => e.kind === 'platform').map((e) => (e as { module: string }).module))
  for (const module of readmeModules) t.notOk(platformModules.has(module), `${module} is never a platform event`)
  t.ok(platformModules.has('install') && platformModules.has('partner-changed') && platformModules.has('adcloud'))
})

t.test('the quirks of the samples are read defensively', async (t) => {
  t.test('events without companyId (device-control, network-monitor) keep their endpoint to resolve it', async (t) => {
    for (const module of ['device-control', 'network-monitor']) {
      const [event] = byModule(module)
      t.equal(event!.companyId, undefined, `${module} has no company`)
      t.type(event!.endpointId, 'string', `${module} has its endpoint`)
    }
  })
  t.test('network-sandboxing: camelCase fields and an epoch-second detectionTime', async (t) => {
    t.match(byModule('network-sandboxing')[0], {
      endpointId: '59a1604e60369e06733f8aba',
      endpointName: 'FC-WIN7-X64-01',
      threatName: 'RANSOMWARE',
      occurredAt: '2017-09-14T11:02:49.000Z'
    })
  })
  t.test('exchange-malware: the timestamp with stray spaces still parses', async (t) => {
    t.match(byModule('exchange-malware')[0], {
      occurredAt: '2017-09-13T14:20:37.000Z',
      threatName: 'Trojan.Generic.KD.874127',
      blocked: true
    })
  })
  t.test('ransomware-mitigation: epoch seconds in detected_on', async (t) => {
    t.equal(byModule('ransomware-mitigation')[0]!.occurredAt, new Date(1591007594 * 1000).toISOString())
  })
  t.test('new-incident: both spellings of the severity score arrive intact', async (t) => {
    const incidents = byModule('new-incident')
    t.ok(incidents.some((e) => e.event.severity_score === 89))
    t.ok(incidents.some((e) => e.event.severityScore === 90))
  })
  t.test('the masked hd event keeps its masked companyId as given', async (t) => {
    t.equal(byModule('hd')[0]!.companyId, '5c497704f9bf8d0b1b4df***')
  })
  t.test('the test event in the first delivery is flagged, its neighbour is not', async (t) => {
    t.same(
      classified[0]!.map((e) => (e.kind === 'invalid' ? undefined : e.isTest)),
      [false, true]
    )
  })
})

t.test('blocked follows final_status, status and actionTaken', async (t) => {
  t.ok(
    byModule('av').every((e) => e.blocked),
    'deleted and quarantined av detections are blocked'
  )
  for (const module of ['aph', 'avc', 'fw', 'dp', 'uc', 'device-control', 'antiexploit', 'hd'])
    t.ok(byModule(module)[0]!.blocked, `${module} blocked`)
  for (const module of ['network-monitor', 'new-incident', 'network-sandboxing', 'ransomware-mitigation'])
    t.notOk(byModule(module)[0]!.blocked, `${module} not blocked`)
})

t.test('event keys: the same event in another batch has the same key; threat keys group repeats', async (t) => {
  const keys = all.map((e) => (e.kind === 'invalid' ? '' : e.eventKey))
  t.equal(new Set(keys).size, keys.length, 'distinct events, distinct keys')
  const [avAlone] = classifyPushEvents([JSON.parse(lines[1]!).params.events[0]])
  const reordered = Object.fromEntries(Object.entries(JSON.parse(lines[1]!).params.events[0] as object).reverse())
  const [, again] = classifyPushEvents([{ module: 'aph' }, reordered])
  t.equal(
    again!.kind === 'invalid' ? '' : again!.eventKey,
    avAlone!.kind === 'invalid' ? 'x' : avAlone!.eventKey,
    'key order and batch position do not matter'
  )

  // Two EDR incidents for the same detection on the same endpoint, seconds apart (delivery 4).
  const [first, second] = classified[3]!.filter(
    (e): e is SecurityPushEvent => e.kind === 'security' && e.module === 'new-incident'
  )
  t.not(first!.eventKey, second!.eventKey)
  t.equal(first!.threatKey, second!.threatKey, 'a repeat of the same threat on the same endpoint')
  t.not(
    first!.threatKey,
    classified[2]![0]!.kind === 'security' ? classified[2]![0]!.threatKey : '',
    'another endpoint: another threat key'
  )
})
