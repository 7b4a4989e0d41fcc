import type { Cause } from '../domain/metadata.js'
import { DomainError } from '../domain/errors.js'
import type { EventStore } from '../store/port.js'
import type { TicketingConfigCommand, TicketingConfigState } from '../domain/ticketingConfig.js'
import { defaultTicketRules, type TicketRules } from '../domain/ticketRules.js'
import { streams } from '../domain/streams.js'
import { knownModules } from '../platforms/gravityzone/modules.js'
import { mappingsProjection } from '../../projections/mappings.js'
import type { CommandHandler } from './commandHandler.js'
import type { ProjectionRunner } from './projectionRunner.js'
import { storedTicketingConfiguration, type Problem } from './configuration.js'
import { createTicketingBacktest, type BacktestLimits, type BacktestResult } from './ticketingBacktest.js'

/**
 * The ticket rules (docs/ticket-rules.md): read, replaced (a `TicketRulesConfigured` fact on the
 * ticketing configuration's stream, whose count is the version), and previewed on the recorded
 * history before saving. A rule set naming a priority or status HaloPSA does not have is refused
 * when HaloPSA can be asked; when it cannot, the change is recorded unverified.
 */

/** What HaloPSA has, for checking the ids a rule set names. */
export type TicketRulesChecks = { priorityIds(): Promise<number[]>; statusIds(): Promise<number[]> }

export type TicketRulesView = TicketRules & {
  /** How many times the rules were changed (0: the defaults, never saved). */
  version: number
  configured: boolean
  verified: boolean
  configuredAt?: string
}

type Handler = CommandHandler<TicketingConfigCommand, TicketingConfigState>

/** The rules in force: the last saved, or the defaults (today's behaviour). */
export const storedTicketRules = (handler: Handler) => async (): Promise<TicketRules> => {
  const saved = (await handler.load(streams.ticketingConfig())).rules
  if (!saved) return defaultTicketRules()
  const { verified: _v, configuredAt: _c, ...rules } = saved
  return rules
}

const problemsOf = async (rules: TicketRules, checks: TicketRulesChecks | undefined): Promise<Problem[]> => {
  const problems: Problem[] = []
  rules.priorities.forEach((rule, i) => {
    for (const module of rule.when.modules ?? [])
      if (!knownModules.includes(module))
        problems.push({ field: `priorities[${i}].when.modules`, message: `GravityZone has no module "${module}"` })
  })
  rules.exclusions.forEach((rule, i) => {
    for (const module of rule.modules ?? [])
      if (!knownModules.includes(module))
        problems.push({ field: `exclusions[${i}].modules`, message: `GravityZone has no module "${module}"` })
  })
  if (!checks || problems.length > 0) return problems
  const priorities = new Set(await checks.priorityIds())
  rules.priorities.forEach((rule, i) => {
    if (!priorities.has(rule.priorityId))
      problems.push({ field: `priorities[${i}].priorityId`, message: `HaloPSA has no priority ${rule.priorityId}` })
  })
  const statusId = rules.reopen.statusId
  if (statusId !== undefined && !(await checks.statusIds()).includes(statusId))
    problems.push({ field: 'reopen.statusId', message: `HaloPSA has no ticket status ${statusId}` })
  return problems
}

export type PreviewRequest = { rules?: TicketRules; days: number; maxEvents: number }

export const createTicketRulesService = (deps: {
  store: EventStore
  runner: ProjectionRunner
  ticketingConfig: Handler
  now: () => Date
  checks?: TicketRulesChecks
  limits?: BacktestLimits
}) => {
  const current = storedTicketRules(deps.ticketingConfig)
  const backtest = createTicketingBacktest({
    store: deps.store,
    ticketingConfiguration: storedTicketingConfiguration(deps.ticketingConfig),
    now: deps.now,
    ...(deps.limits ? { limits: deps.limits } : {})
  })
  let previewing = false

  const get = async (): Promise<TicketRulesView> => {
    const state = await deps.ticketingConfig.load(streams.ticketingConfig())
    if (!state.rules) return { ...defaultTicketRules(), version: 0, configured: false, verified: false }
    const { verified, configuredAt, ...rules } = state.rules
    return { ...rules, version: state.rulesVersion, configured: true, verified, configuredAt }
  }

  return {
    get,
    current,

    async put(rules: TicketRules, cause: Cause): Promise<TicketRulesView> {
      let verified = false
      try {
        const problems = await problemsOf(rules, deps.checks)
        if (problems.length > 0)
          throw new DomainError('invalid_configuration', problems.map((p) => p.message).join('; '), { problems })
        verified = deps.checks !== undefined
      } catch (error) {
        if (error instanceof DomainError) throw error
        // HaloPSA could not be asked: record the change unverified.
      }
      const result = await deps.ticketingConfig.handle(
        streams.ticketingConfig(),
        { type: 'ConfigureTicketRules', data: { ...rules, verified } },
        cause
      )
      if (result.position !== null) await deps.runner.waitForPosition(result.position)
      return get()
    },

    /** The backtest; null while another one runs (one at a time: each walks the store). */
    async preview(
      request: PreviewRequest
    ): Promise<(Omit<BacktestResult, 'byMapping'> & { rules: TicketRules; byMapping: MappingCounts[] }) | null> {
      if (previewing) return null
      previewing = true
      try {
        const rules = request.rules ?? (await current())
        const result = await backtest({ rules, days: request.days, maxEvents: request.maxEvents })
        const registry = deps.runner.state(mappingsProjection)
        const byMapping = [...result.byMapping].map(([mappingId, counts]) => {
          const m = registry.mappings.get(mappingId)
          return {
            mappingId,
            ...(m?.gravityzoneCompanyName !== undefined ? { gravityzoneCompanyName: m.gravityzoneCompanyName } : {}),
            ...(m?.halopsaClientName !== undefined ? { halopsaClientName: m.halopsaClientName } : {}),
            ...counts
          }
        })
        byMapping.sort((a, b) => (a.halopsaClientName ?? a.mappingId).localeCompare(b.halopsaClientName ?? b.mappingId))
        return { ...result, rules, byMapping }
      } finally {
        previewing = false
      }
    }
  }
}

type MappingCounts = Awaited<ReturnType<ReturnType<typeof createTicketingBacktest>>>['total'] & {
  mappingId: string
  gravityzoneCompanyName?: string
  halopsaClientName?: string
}

export type TicketRulesService = ReturnType<typeof createTicketRulesService>
