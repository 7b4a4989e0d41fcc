import { randomUUID } from 'node:crypto'
import type { NewFact } from '../../src/store/port.js'

/** A fact for store tests: random id unless given, test metadata. */
export const fact = (type: string, data: unknown = {}, id: string = randomUUID()): NewFact => ({
  id,
  type,
  data,
  metadata: { correlationId: 'test', causationId: 'test', actor: 'test', recordedAt: new Date(0).toISOString() }
})

/** A stream-name prefix unique to one test, so tests can share a store (and a real server). */
export const uniquePrefix = (category = 'conf'): string => `${category}${randomUUID().slice(0, 8)}-`

/** Waits for a condition, polling, with a deadline (never a bare sleep). */
export const waitFor = async (
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 10_000, intervalMs = 10, what = 'condition' } = {}
): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
  }
}
