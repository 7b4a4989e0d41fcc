import t from 'tap'
import { createPushService } from '../../src/services/pushService.js'
import { createHaloPsaClient } from '../../src/platforms/halopsa/client.js'
import { openSqliteStore } from '../../src/store/sqlite/sqliteStore.js'
import { streams } from '../../src/domain/streams.js'
import { connect, startSimulator } from '../platforms/gravityzone/support.js'

/**
 * The push watchdog when it cannot re-arm (GravityZone's push service is off and the relay knows no
 * public URL): it records what it found once, and a watchdog that keeps finding the same state
 * appends nothing more: a check that finds the same state appends nothing new.
 */
t.test('the push service off with no URL known: one PushServiceChecked, not one per tick', async (t) => {
  const sim = await startSimulator(t)
  const gravityzone = connect(t, sim)
  const store = openSqliteStore({ path: ':memory:' })
  t.teardown(() => store.close())
  // HaloPSA is not called by the watchdog; the client only fills the dependency.
  const halopsa = createHaloPsaClient({ url: 'http://127.0.0.1:9', clientId: 'relay', clientSecret: 'not-used-here' })
  t.teardown(() => halopsa.close())
  const push = createPushService({ store, gravityzone, halopsa, pushAuthorization: 'Bearer push-secret-0123456789' })

  t.same(await push.watch(), { status: 0, rearmed: false })
  t.same(await push.watch(), { status: 0, rearmed: false })
  t.same(await push.watch(), { status: 0, rearmed: false })
  const facts = await store.readStream(streams.pushService())
  t.same(
    facts.map((f) => [f.type, (f.data as { status: number }).status]),
    [['PushServiceChecked', 0]],
    'recorded once'
  )
  t.same(await push.register(), { push: false, halopsa: false }, 'nothing to register without a URL')
})
