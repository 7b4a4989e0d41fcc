import type { Clock } from '../../src/platforms/transport/clock.js'
import { createSimClock } from './clock.js'
import { fakeId } from './events/context.js'
import { createKeyStore } from './keys.js'
import type { ApiKeyRecord, SimContext } from './methods/index.js'
import {
  createPushSender,
  type PushSender,
  type PushSenderOptions,
  type QueuedEvent,
  type SendReport
} from './pushSender.js'
import { createRateLimits, type RateLimitInput } from './rateLimits.js'
import { createCallStats } from './rpcRoute.js'
import { demoRoot, seedDemo } from './seed.js'
import { createSimState, type EmitOptions, type SimState } from './state.js'

/**
 * Everything the simulator is apart from HTTP: the tenant state, API keys, rate limits, call counts,
 * one push sender per key and the clock. The Fastify routes and the tests both drive this.
 */

export type PushTuning = Pick<
  PushSenderOptions,
  'maxFailures' | 'disableAfterMs' | 'batchDelayMs' | 'maxBatchSize' | 'timeoutMs'
>

export type SimulatorCoreOptions = {
  apiKey: string
  /** `demo`: the shared fictional MSP; `empty` (default): a partner company with nothing under it. */
  seed?: 'demo' | 'empty'
  clock?: Clock
  limits?: RateLimitInput
  push?: PushTuning
  /** Answer usage with the misspelt `aLaCarteMonhtlyUsage`. */
  misspeltALaCarte?: boolean
  /** Accept http:// push receivers on loopback hosts (default true). */
  allowHttpLoopbackPush?: boolean
  /** `on-premises`: some network methods need their service segment (`network/computers`). Default cloud. */
  flavour?: 'cloud' | 'on-premises'
  /** APIs enabled for the main key (default: all). */
  enabledApis?: string[]
}

const emptyRoot = { id: fakeId('company', 'simulated-partner'), name: 'Simulated MSP Partner' }

export const createSimulatorCore = (options: SimulatorCoreOptions) => {
  const clock = createSimClock(options.clock)
  const root = options.seed === 'demo' ? demoRoot : emptyRoot
  const build = (): SimState => {
    const fresh = createSimState({ clock, root })
    if (options.seed === 'demo') seedDemo(fresh, clock)
    return fresh
  }
  let state = build()
  const keys = createKeyStore({ clock, defaultCompanyId: root.id })
  keys.add(options.apiKey, options.enabledApis ? { enabledApis: options.enabledApis } : {})
  const rateLimits = createRateLimits(clock, options.limits)
  const calls = createCallStats()
  const senders = new Map<string, PushSender>()

  const senderFor = (key: ApiKeyRecord): PushSender => {
    let sender = senders.get(key.key)
    if (!sender) {
      sender = createPushSender({
        ...options.push,
        apiKey: key.key,
        clock,
        inScope: (companyId) => state.companies.isWithin(companyId, key.companyId)
      })
      senders.set(key.key, sender)
    }
    return sender
  }
  // What the tenant does on its own (installs, moves) goes to every key's push service.
  const listen = () =>
    state.onEmission(({ ownerCompanyId, event }) =>
      senders.forEach((sender) => sender.enqueue({ event, ownerCompanyId }))
    )
  listen()

  const context: SimContext = {
    get state() {
      return state
    },
    clock,
    senderFor,
    options: {
      misspeltALaCarte: options.misspeltALaCarte ?? false,
      allowHttpLoopbackPush: options.allowHttpLoopbackPush ?? true,
      flavour: options.flavour ?? 'cloud'
    }
  }

  const keyRecord = (apiKey = options.apiKey): ApiKeyRecord => {
    const record = keys.get(apiKey)
    if (!record) throw new Error('no such API key in the simulator')
    return record
  }

  return {
    apiKey: options.apiKey,
    context,
    get state() {
      return state
    },
    keys,
    rateLimits,
    calls,
    clock,
    /** An event for the demo or a test, not sent (see push.send). */
    generate: (module: string, companyId: string, opts: EmitOptions = {}) => state.generate(module, companyId, opts),
    push: {
      /** The push service of a key (default: the main key). */
      sender: (apiKey?: string): PushSender => senderFor(keyRecord(apiKey)),
      send: (events: QueuedEvent[], apiKey?: string): Promise<SendReport> => senderFor(keyRecord(apiKey)).send(events),
      idle: async () => {
        await Promise.all([...senders.values()].map((sender) => sender.idle()))
      }
    },
    /** Moves the simulator's time forward and applies the push services' time rules. */
    advanceTime(ms: number) {
      clock.advance(ms)
      senders.forEach((sender) => sender.check())
    },
    checkPush: () => senders.forEach((sender) => sender.check()),
    /** Back to the seeded tenant: push settings, call counts and rate-limit buckets cleared. */
    reset() {
      senders.forEach((sender) => void sender.close())
      senders.clear()
      state = build()
      listen()
      calls.reset()
      rateLimits.configure({})
    },
    async close() {
      await Promise.all([...senders.values()].map((sender) => sender.close()))
    }
  }
}

export type SimulatorCore = ReturnType<typeof createSimulatorCore>
