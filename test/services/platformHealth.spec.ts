import t from 'tap'
import { platformHealth } from '../../src/domain/platformHealth.js'
import { streams } from '../../src/domain/streams.js'
import { createCommandHandler } from '../../src/services/commandHandler.js'
import { callVerdict, createPlatformHealth } from '../../src/services/platformHealth.js'
import type { EventStore } from '../../src/store/port.js'
import { openSqliteStore } from '../../src/store/sqlite/sqliteStore.js'

/**
 * Platform health from the calls the clients finish: down after two failed calls or two minutes of
 * failures, up at the first answer; each transition recorded once, and the recorded state survives
 * a restart.
 */

const failed = { call: 'GET /api/Client', outcome: 'network' }
const answered = { call: 'GET /api/Client', outcome: 'ok', status: 200 }

const setup = (store: EventStore = openSqliteStore({ path: ':memory:' })) => {
  let at = Date.parse('2026-11-02T09:00:00Z')
  const logs: { level: string; msg: string }[] = []
  const log = (level: string) => (_obj: unknown, msg: string) => logs.push({ level, msg })
  const logger = { warn: log('warn'), info: log('info'), error: log('error') } as never
  const now = () => new Date(at)
  const health = createPlatformHealth({
    handler: createCommandHandler(store, platformHealth, { now }),
    now,
    logger
  })
  const facts = async (platform = 'halopsa') =>
    (await store.readStream(streams.platformHealth(platform)).catch(() => [])).map((f) => ({
      type: f.type,
      data: f.data
    }))
  return { store, health, logs, facts, advance: (ms: number) => (at += ms) }
}

t.test('two failed calls in a row: down, recorded and logged once, however long it lasts', async (t) => {
  const { health, logs, facts, advance, store } = setup()
  t.teardown(() => store.close())
  await health.start()
  t.equal(health.view().halopsa.state, 'unknown', 'nothing known before the first call')

  health.observe('halopsa', failed)
  await health.flush()
  t.match(health.view().halopsa, { state: 'unknown', consecutiveFailures: 1 }, 'one failure is not an outage')
  advance(1_000)
  health.observe('halopsa', { call: 'GET /api/Item', outcome: 'timeout' })
  await health.flush()
  t.match(health.view().halopsa, {
    state: 'down',
    consecutiveFailures: 2,
    lastFailureAt: '2026-11-02T09:00:01.000Z',
    lastError: { kind: 'timeout', message: 'GET /api/Item: no answer in time' }
  })
  for (let i = 0; i < 20; i++) {
    advance(60_000)
    health.observe('halopsa', failed)
  }
  await health.flush()
  t.same(await facts(), [
    {
      type: 'PlatformUnreachable',
      data: {
        platform: 'halopsa',
        since: '2026-11-02T09:00:00.000Z',
        lastError: { kind: 'timeout', message: 'GET /api/Item: no answer in time' }
      }
    }
  ])
  t.same(
    logs.filter((l) => l.level === 'warn').map((l) => l.msg),
    ['HaloPSA is unreachable: GET /api/Item: no answer in time'],
    'one warning for the whole outage'
  )
  t.equal(health.view().gravityzone.state, 'unknown', 'the other platform is not concerned')

  health.observe('halopsa', answered)
  await health.flush()
  t.match(health.view().halopsa, { state: 'up', consecutiveFailures: 0 })
  t.match((await facts())[1], {
    type: 'PlatformRecovered',
    data: { platform: 'halopsa', downSince: '2026-11-02T09:00:00.000Z', since: '2026-11-02T09:20:01.000Z' }
  })
  t.same(
    logs.filter((l) => l.level === 'info').map((l) => l.msg),
    ['HaloPSA answers again']
  )
})

t.test('a failure followed by an answer records nothing', async (t) => {
  const { health, facts, store } = setup()
  t.teardown(() => store.close())
  await health.start()
  health.observe('gravityzone', failed)
  health.observe('gravityzone', answered)
  health.observe('gravityzone', failed)
  await health.flush()
  t.match(health.view().gravityzone, { state: 'up', consecutiveFailures: 1 })
  t.same(await facts('gravityzone'), [])
})

t.test('one call failing and being retried for two minutes is an outage too', async (t) => {
  const { health, facts, advance, store } = setup()
  t.teardown(() => store.close())
  await health.start()
  health.observe('halopsa', { call: 'POST /api/Tickets', outcome: 'retried', status: 503 })
  advance(119_000)
  health.observe('halopsa', { call: 'POST /api/Tickets', outcome: 'retried', status: 503 })
  t.equal(health.view().halopsa.state, 'unknown')
  advance(1_000)
  health.observe('halopsa', { call: 'POST /api/Tickets', outcome: 'retried' })
  await health.flush()
  t.equal(health.view().halopsa.state, 'down')
  t.match(await facts(), [
    {
      type: 'PlatformUnreachable',
      data: { lastError: { kind: 'network', message: 'POST /api/Tickets: failing, being retried' } }
    }
  ])
})

t.test('a relay restarted during an outage records nothing new until the platform answers', async (t) => {
  const store = openSqliteStore({ path: ':memory:' })
  t.teardown(() => store.close())
  const first = setup(store)
  await first.health.start()
  first.health.observe('halopsa', failed)
  first.health.observe('halopsa', failed)
  await first.health.flush()

  // Given a new process on the same store
  const second = setup(store)
  await second.health.start()
  t.equal(second.health.view().halopsa.state, 'down', 'the outage is folded back')
  t.match(second.logs, [{ level: 'warn', msg: /HaloPSA was unreachable when the relay last stopped/ }])
  second.health.observe('halopsa', failed)
  second.health.observe('halopsa', failed)
  await second.health.flush()
  t.same(
    (await second.facts()).map((f) => f.type),
    ['PlatformUnreachable'],
    'no second PlatformUnreachable'
  )
  second.health.observe('halopsa', answered)
  await second.health.flush()
  t.same(
    (await second.facts()).map((f) => f.type),
    ['PlatformUnreachable', 'PlatformRecovered']
  )
})

t.test('a Recheck probes the platform and its cause is on the recovery it records', async (t) => {
  const { health, store } = setup()
  t.teardown(() => store.close())
  await health.start()
  health.observe('gravityzone', failed)
  health.observe('gravityzone', failed)
  await health.flush()

  const cause = { actor: 'alice', correlationId: 'req-1', causationId: 'recheck-fact' }
  const stillDown = await health.recheck('gravityzone', cause, async () => {
    health.observe('gravityzone', failed)
    throw new Error('gravityzone general.getApiKeyDetails failed: network error (ECONNREFUSED)')
  })
  t.match(stillDown, { message: /^GravityZone still does not answer: gravityzone general.getApiKeyDetails/ })

  const result = await health.recheck('gravityzone', cause, async () => health.observe('gravityzone', answered))
  t.ok(result.position !== null, 'the recovery was recorded')
  const [, recovered] = await store.readStream(streams.platformHealth('gravityzone'))
  t.match(recovered, { type: 'PlatformRecovered', metadata: { actor: 'alice', causationId: 'recheck-fact' } })
  t.equal(result.message, undefined)
})

t.test('what a finished call says about its platform', async (t) => {
  t.equal(callVerdict({ call: 'GET /api/Client/{id}', outcome: 'http_error', status: 404 }), 'answered')
  t.equal(callVerdict({ call: 'POST /api/Tickets', outcome: 'http_error', status: 400 }), 'answered')
  t.same(callVerdict({ call: 'GET /api/Client', outcome: 'http_error', status: 401 }), {
    kind: 'auth',
    message: 'GET /api/Client: credentials refused (HTTP 401)'
  })
  t.match(callVerdict({ call: 'POST /auth/token', outcome: 'http_error', status: 400 }), { kind: 'auth' })
  t.match(callVerdict({ call: 'network.getCompaniesList', outcome: 'server', status: 502 }), { kind: 'server' })
  t.equal(callVerdict({ call: 'GET /api/Client', outcome: 'rate_limited', status: 429 }), undefined)
  t.equal(callVerdict({ call: 'GET /api/Client', outcome: 'retried', status: 429 }), undefined)
  t.equal(callVerdict({ call: 'GET /api/Client', outcome: 'retried' }), 'retrying')
})
