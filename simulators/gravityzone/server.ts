import Fastify from 'fastify'
import { createFaultController, installFaults, type FaultController } from '../kit/faults.js'
import { installControlRoutes } from './control.js'
import { createSimulatorCore, type SimulatorCore, type SimulatorCoreOptions } from './core.js'
import { installRpcRoutes, rpcMethodOf } from './rpcRoute.js'

/**
 * A faithful GravityZone Public API + Event Push Service, as a real HTTP server
 * (docs/testing.md#the-simulators). `url` is the Access URL (`http://127.0.0.1:N/api`), what
 * `GZ_API_URL` takes.
 */

export type GravityZoneSimulatorOptions = SimulatorCoreOptions & {
  /** 0 (default) picks a free port. */
  port?: number
  host?: string
  logger?: boolean
}

export type GravityZoneSimulator = {
  /** The Access URL: `http://127.0.0.1:N/api`. */
  url: string
  /** `http://127.0.0.1:N`, for the `/_sim/` control routes. */
  origin: string
  readonly state: SimulatorCore['state']
  faults: FaultController
  push: SimulatorCore['push']
  keys: SimulatorCore['keys']
  rateLimits: SimulatorCore['rateLimits']
  calls: SimulatorCore['calls']
  clock: SimulatorCore['clock']
  generate: SimulatorCore['generate']
  advanceTime(ms: number): void
  reset(): void
  close(): Promise<void>
}

export const startGravityZoneSimulator = async (
  options: GravityZoneSimulatorOptions
): Promise<GravityZoneSimulator> => {
  const core = createSimulatorCore(options)
  const faults = createFaultController()
  const app = Fastify({ logger: options.logger ?? false })
  // Faults first, so their preHandler sits in front of every route registered after it.
  installFaults(app, faults, { rpcMethodOf })
  installRpcRoutes(app, {
    sim: core.context,
    keys: core.keys,
    rateLimits: core.rateLimits,
    calls: core.calls
  })
  installControlRoutes(app, core)
  // The 3-hour rule also fires while nothing is delivered.
  const checker = setInterval(() => core.checkPush(), 1_000).unref()

  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('the simulator is not listening on a TCP port')
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const origin = `http://${host}:${address.port}`

  return {
    url: `${origin}/api`,
    origin,
    get state() {
      return core.state
    },
    faults,
    push: core.push,
    keys: core.keys,
    rateLimits: core.rateLimits,
    calls: core.calls,
    clock: core.clock,
    generate: core.generate,
    advanceTime: (ms) => core.advanceTime(ms),
    reset: () => {
      core.reset()
      faults.clear()
    },
    async close() {
      clearInterval(checker)
      await core.close()
      await app.close()
    }
  }
}
