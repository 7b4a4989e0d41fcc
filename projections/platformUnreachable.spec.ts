import t from 'tap'
import { factStream, foldAll } from '../test/support/given.js'
import { integrationEventsProjection as projection, isSuspended } from './integrationEvents.js'

// Given the facts of a platform outage, when they are folded, then one platform-unreachable event
// per platform is active while it lasts, closes on recovery, and counts in the `connection` category.

const outage = (platform: 'gravityzone' | 'halopsa' = 'halopsa') => {
  const f = factStream()
  const lastError = { kind: 'network', message: 'GET /api/Client: no connection' }
  const since = '2026-11-02T09:00:00.000Z'
  return {
    f,
    unreachable: f('PlatformUnreachable', { platform, since, lastError }, { actor: 'relay' }),
    /** Another PlatformUnreachable, as a second relay process or a later outage records it. */
    again: (at: string, kind: string, message: string) =>
      f('PlatformUnreachable', { platform, since: at, lastError: { kind, message } }),
    recovered: (opts: { causationId?: string; actor?: string } = {}) =>
      f('PlatformRecovered', { platform, since: '2026-11-02T09:05:00.000Z', downSince: since, lastError }, opts)
  }
}

t.test('PlatformUnreachable raises platform-unreachable, counted under connection', async (t) => {
  const { unreachable } = outage()
  const s = foldAll(projection, [unreachable])
  const [event] = [...s.events.values()]
  t.match(event, {
    id: unreachable.id,
    type: 'platform-unreachable',
    category: 'connection',
    title: 'Platform unreachable',
    status: 'active',
    subject: { platform: 'halopsa' },
    actions: ['recheck']
  })
  t.match(event!.description, /^HaloPSA does not answer the relay's calls/)
  t.match(s.counts, { active: 1, byCategory: { connection: 1, mapping: 0 }, byType: { 'platform-unreachable': 1 } })
})

t.test('PlatformRecovered closes it with the reason recovered; the next outage is a new event', async (t) => {
  const { unreachable, recovered, again: later } = outage()
  const back = recovered()
  const again = later('2026-11-02T10:00:00.000Z', 'timeout', 'GET /api/Item: no answer in time')
  const s = foldAll(projection, [unreachable, back, again])
  const first = s.events.get(unreachable.id)!
  t.match(first, {
    status: 'closed',
    closedAt: back.recordedAt.toISOString(),
    closedBy: { factId: back.id, factType: 'PlatformRecovered', reason: 'recovered' }
  })
  t.same(
    first.facts.map((x) => x.type),
    ['PlatformUnreachable', 'PlatformRecovered']
  )
  t.equal(s.events.get(again.id)?.status, 'active', 'a later outage raises a new event')
  t.equal(s.counts.byCategory.connection, 1)
})

t.test('a recovery found by a Recheck closes it with the action recheck', async (t) => {
  const { f, unreachable, recovered } = outage('gravityzone')
  const requested = f('RecheckRequested', { eventId: unreachable.id, eventType: 'platform-unreachable' })
  const s = foldAll(projection, [unreachable, requested, recovered({ causationId: requested.id, actor: 'alice' })])
  t.match(s.events.get(unreachable.id)?.closedBy, { action: 'recheck', reason: 'recovered', actor: 'alice' })
})

t.test(
  'a repeat while active is attached; a recovery with nothing active changes nothing; no mapping is suspended',
  async (t) => {
    const { f, unreachable, recovered } = outage()
    const stray = recovered()
    const repeat = f('PlatformUnreachable', {
      platform: 'halopsa',
      since: '2026-11-02T09:00:00.000Z',
      lastError: { kind: 'server', message: 'GET /api/Item: server error (HTTP 503)' }
    })
    const s = foldAll(projection, [stray, unreachable, repeat])
    t.equal(s.events.size, 1)
    t.same(
      s.events.get(unreachable.id)?.facts.map((x) => x.type),
      ['PlatformUnreachable', 'PlatformUnreachable']
    )
    t.notOk(isSuspended(s, 'm1'))
  }
)
