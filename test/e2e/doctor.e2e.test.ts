import t from 'tap'
import { apiClient } from '../../demo/stack.js'
import { e2e } from '../support/e2e.js'

/**
 * GET /api/doctor on the running relay: the same checks as `npm run doctor`, through the relay's own
 * clients, behind an operate token; it writes nothing to either platform.
 */

const readToken = 'viewer-token-0123456789abcdef'

t.test('an operator gets the report: every check passes against the stack, and nothing is written', async (t) => {
  const s = await e2e(t)
  await s.api('PUT', '/api/config/ticketing', {
    ticketTypeId: 1,
    closedStatusName: 'Closed',
    autoCloseBlocked: false,
    modules: ['av']
  })
  s.gravityzone.calls.reset()
  s.halopsa.state.calls.reset()

  const res = await s.api('GET', '/api/doctor')

  t.equal(res.status, 200)
  t.equal(res.body.ok, true, JSON.stringify(res.body.rows.filter((r: { outcome: string }) => r.outcome !== 'ok')))
  t.match(
    res.body.rows.find((r: { call: string }) => r.call === 'push.getPushEventSettings'),
    { outcome: 'ok', detail: /^on, to http/ },
    'the relay registered its push settings at start'
  )
  t.match(
    res.body.rows.find((r: { call: string }) => r.call === 'event store'),
    {
      outcome: 'ok',
      detail: 'ticket type 1, modules: av'
    }
  )
  t.same(
    Object.keys(s.gravityzone.calls.snapshot().calls).filter((name) => !/\.(get|find)[A-Z]/.test(name)),
    []
  )
  t.same(
    s.halopsa.state.calls
      .requests()
      .filter((r) => r.method !== 'GET')
      .map((r) => r.path),
    []
  )
})

t.test('without a token the doctor answers 401, with a read token 403', async (t) => {
  const s = await e2e(t, { env: { API_TOKENS: `operator:operate:${'o'.repeat(24)},viewer:read:${readToken}` } })
  t.equal((await apiClient(s.url, 'not-a-token-0000000000')('GET', '/api/doctor')).status, 401)
  const viewer = await apiClient(s.url, readToken)('GET', '/api/doctor')
  t.equal(viewer.status, 403)
  t.equal(viewer.body.error.code, 'insufficient_scope')
})
