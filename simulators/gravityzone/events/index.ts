import { knownModules } from '../../../src/platforms/gravityzone/modules.js'
import type { EventContext, EventFactory, GeneratedEvent } from './context.js'
import { platformEventFactories } from './platform.js'
import { securityEventFactories } from './security.js'

export type { EventContext, EventVariant, GeneratedEvent } from './context.js'

const factories: Record<string, EventFactory> = { ...securityEventFactories, ...platformEventFactories }

export const generatableModules: readonly string[] = knownModules.filter((module) => module in factories)

export class UnknownModuleError extends Error {
  constructor(module: string) {
    super(`no event factory for module '${module}'`)
    this.name = 'UnknownModuleError'
  }
}

/** One event of `module`, with `overrides` applied last (as sendTestPushEvent's `data` does). */
export const makeEvent = (
  module: string,
  ctx: EventContext,
  overrides: Record<string, unknown> = {}
): GeneratedEvent => {
  const factory = factories[module]
  if (!factory) throw new UnknownModuleError(module)
  return { ...factory(ctx), ...overrides }
}
