import { readFileSync } from 'node:fs'
import t from 'tap'
import { parsePushDelivery } from '../../../src/platforms/gravityzone/push.js'
import { classifyPushEvents, type ClassifiedPushEvent } from '../../../src/platforms/gravityzone/pushEvents.js'

/**
 * Bitdefender's own test-event templates (test/fixtures/real/gravityzone/
 * gz-push-test-event-templates-qradar.jsonl, one flat event per line): as a jsonRPC delivery they
 * parse, and each is classified the way ticketing needs it.
 */

const templates = readFileSync(
  new URL('../../fixtures/real/gravityzone/gz-push-test-event-templates-qradar.jsonl', import.meta.url),
  'utf8'
)
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Record<string, unknown>)

const delivery = JSON.stringify({ jsonrpc: '2.0', method: 'addEvents', params: { events: templates }, id: 1 })
const parsed = parsePushDelivery(delivery)
const classified = parsed.ok ? classifyPushEvents(parsed.delivery.events) : []
const byModule = (module: string): ClassifiedPushEvent => {
  const found = classified.find((e) => e.kind !== 'invalid' && e.module === module)
  if (!found) throw new Error(`no ${module} template`)
  return found
}

t.test('the seven templates, sent together, are one valid delivery and none is invalid', async (t) => {
  t.equal(templates.length, 7)
  t.ok(parsed.ok)
  t.same(
    classified.map((e) => e.kind),
    ['platform', 'security', 'security', 'security', 'security', 'security', 'platform']
  )
  t.ok(
    classified.every((e) => e.kind !== 'invalid' && e.isTest),
    'every template is a test event'
  )
})

t.test('security-container-update-available and uninstall are platform events, kept for the audit', async (t) => {
  t.match(byModule('security-container-update-available'), { kind: 'platform', companyId: '623c18fb12fb8700396d6375' })
  t.match(byModule('uninstall'), { kind: 'platform', endpointId: '59b7d9bfa849af3a1465b7e4' })
})

t.test('av: the malware named, deleted counts as blocked, the timestamp read', async (t) => {
  t.match(byModule('av'), {
    kind: 'security',
    threatName: 'EICAR-Test-File (not a virus)',
    blocked: true,
    endpointId: '59a1604e60369e06733f8abb',
    occurredAt: '2017-09-08T12:01:36.000Z'
  })
})

t.test('hd with an empty malware_name: the attack type names the threat; quarantined is blocked', async (t) => {
  t.match(byModule('hd'), { kind: 'security', threatName: 'targeted attack', blocked: true })
})

t.test('antiexploit: the threat named by detection_threatName, kill counts as blocked', async (t) => {
  t.match(byModule('antiexploit'), { kind: 'security', threatName: 'EICAR-Test-File (not a virus)', blocked: true })
})

t.test('new-incident with severityScore and "no action": a ticket candidate, not blocked', async (t) => {
  t.match(byModule('new-incident'), { kind: 'security', threatName: 'ATC.Malicious', blocked: false })
})

t.test('ransomware-mitigation from an SVA, item_count a string: classified, time from epoch seconds', async (t) => {
  t.match(byModule('ransomware-mitigation'), {
    kind: 'security',
    threatName: 'ransomware (remote)',
    blocked: false,
    endpointId: '5ed4d2fef23f7325715dbb22',
    occurredAt: new Date(1591007594 * 1000).toISOString(),
    event: { item_count: '23', product_installed: 'SVA' }
  })
})
