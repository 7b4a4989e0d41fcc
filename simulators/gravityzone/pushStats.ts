import type { Clock } from '../../src/platforms/transport/clock.js'

/**
 * The counters getPushEventStats reports
 * (docs/platforms/gravityzone.md#switch-off-after-failed-deliveries). Their exact semantics are not
 * documented; here `sentMessages` counts every request made, `errorMessages` the failed ones
 * (anything but HTTP 200), `events`/`testEvents` the events carried. `serviceError` stays 0: the
 * simulator never fails on its own side.
 */

export type PushStats = {
  count: { events: number; testEvents: number; sentMessages: number; errorMessages: number }
  error: {
    configurationError: number
    connectionError: number
    serviceError: number
    statusCode2xx: number
    statusCode300: number
    statusCode400: number
    statusCode500: number
    timeout: number
  }
  /** `2017-10-13T18:45:28`: UTC without zone, as in the doc sample. */
  lastUpdateTime: string | null
}

export type DeliveryOutcome =
  { kind: 'status'; status: number } | { kind: 'timeout' | 'connectionError' | 'configurationError'; error: string }

const empty = (): PushStats => ({
  count: { events: 0, testEvents: 0, sentMessages: 0, errorMessages: 0 },
  error: {
    configurationError: 0,
    connectionError: 0,
    serviceError: 0,
    statusCode2xx: 0,
    statusCode300: 0,
    statusCode400: 0,
    statusCode500: 0,
    timeout: 0
  },
  lastUpdateTime: null
})

const statusClass = (status: number): keyof PushStats['error'] =>
  status < 300 ? 'statusCode2xx' : status < 400 ? 'statusCode300' : status < 500 ? 'statusCode400' : 'statusCode500'

export const createPushStats = (clock: Clock) => {
  let stats = empty()
  return {
    /**
     * Counts one delivery; true when it succeeded (HTTP 200 exactly:
     * docs/platforms/gravityzone.md#what-a-delivery-looks-like).
     */
    record(outcome: DeliveryOutcome, events: { test?: boolean }[]): boolean {
      const tests = events.filter((e) => e.test).length
      stats.count.events += events.length - tests
      stats.count.testEvents += tests
      stats.count.sentMessages++
      stats.lastUpdateTime = new Date(clock.now()).toISOString().slice(0, 19)
      const ok = outcome.kind === 'status' && outcome.status === 200
      if (!ok) {
        stats.count.errorMessages++
        stats.error[outcome.kind === 'status' ? statusClass(outcome.status) : outcome.kind]++
      }
      return ok
    },
    snapshot: (): PushStats => structuredClone(stats),
    reset() {
      stats = empty()
    }
  }
}
