import t from 'tap'
import { customers, e2e, type E2E } from '../support/e2e.js'
import { waitFor } from '../support/storeFacts.js'

/**
 * HaloPSA's rate budget spent by polls: requests to run them still answer at once, and a security
 * event still becomes a ticket within seconds, from the share of the window polls leave to tickets.
 */

const [acme] = customers as [(typeof customers)[number]]
const config = { ticketTypeId: 3, priorityId: 2, closedStatusName: 'Closed', autoCloseBlocked: false, modules: ['av'] }
const tickets = (s: E2E) => s.halopsa.state.data().tickets.rows.size

t.test(
  'with HALO_RATE_LIMIT=20/1m, ten sync requests in a row each answer within 2 s; then a ticket within 10 s',
  async (t) => {
    const s = await e2e(t, { env: { HALO_RATE_LIMIT: '20/1m' } })
    await s.map(acme, { ticketing: true })
    t.equal((await s.api('PUT', '/api/config/ticketing', config)).status, 200)

    // When ten polls are asked for in a row, as an impatient operator or a script would
    const answers: { status: number; ms: number; code?: string }[] = []
    for (let i = 0; i < 10; i++) {
      const started = Date.now()
      const res = await s.api('POST', '/api/sync/run')
      answers.push({ status: res.status, ms: Date.now() - started, code: res.body?.error?.code })
    }
    t.comment(answers.map((a) => `${a.status} in ${a.ms} ms`).join(', '))
    // Then each answers within 2 s: done (200), going on (202), or already running (409)
    t.same(
      answers.filter((a) => a.ms >= 2_000),
      [],
      'no request is held'
    )
    t.ok(
      answers.every((a) => a.status === 200 || a.status === 202 || (a.status === 409 && a.code === 'job_running')),
      'every answer is a result, a run id or job_running'
    )
    t.ok(
      answers.some((a) => a.status === 202),
      "the budget ran out: a poll waits for HaloPSA's window and its request answered 202"
    )
    const status = (await s.api('GET', '/api/status')).body
    t.match(status.budget.halopsa, { limit: 20, windowSeconds: 60, reservedForTickets: 4 })
    t.ok(status.budget.halopsa.used >= 16, `polls used their share of the window (${status.budget.halopsa.used})`)
    t.equal(status.jobs.sync.running, true, 'a poll is waiting for the window')

    // When a security event arrives meanwhile
    const before = tickets(s)
    const pushed = Date.now()
    await s.gravityzone.push.send([{ event: s.gravityzone.generate('av', acme.companyId) }])
    // Then it becomes a ticket within 10 s, from the share the polls leave to tickets
    await waitFor(() => tickets(s) > before, { timeoutMs: 10_000, what: 'the ticket' })
    t.comment(`ticket created ${Date.now() - pushed} ms after the push`)
    t.equal((await s.api('GET', '/api/status')).body.jobs.sync.running, true, 'while the poll still waits')
  }
)
