import { contentHash } from '../../domain/ids.js'
import type { FactData } from '../../domain/facts.js'
import type { RuleEvent } from '../../domain/ticketRules.js'
import { isSecurityModule } from '../../platforms/gravityzone/modules.js'
import { threatIdentity } from '../../platforms/gravityzone/pushEventFields.js'
import { canonicalJson } from '../../platforms/gravityzone/pushEvents.js'

/**
 * A recorded security event as the ticket rules see it (ticketRules.ts). Built from the fact alone,
 * so that live ticketing and the backtest see the same thing, for facts written before the rules
 * existed too.
 */

type Event = Record<string, unknown>

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim().toLowerCase() : undefined

/**
 * The field that says which kind of event a module's event is (docs/platforms/gravityzone.md#event-fields):
 * aph_type (phishing, fraud, untrust), uc_type, malware_type (file…), target_type, exploit_type,
 * attack_type (ransomware: local or remote), threatType, the attack technique, the firewall status.
 */
const typeFields: Record<string, readonly string[]> = {
  av: ['malware_type'],
  hd: ['malware_type', 'attack_type'],
  aph: ['aph_type'],
  uc: ['uc_type'],
  dp: ['target_type'],
  avc: ['exploit_type'],
  fw: ['status'],
  antiexploit: ['detection_exploitTechnique'],
  'network-monitor': ['detection_attackTechnique'],
  'network-sandboxing': ['threatType'],
  'ransomware-mitigation': ['attack_type'],
  'new-incident': ['attack_types'],
  'storage-antimalware': ['malware_type']
}

const eventTypesOf = (module: string, event: Event): string[] => {
  const types: string[] = []
  for (const field of typeFields[module] ?? []) {
    const value = event[field]
    for (const item of (Array.isArray(value) ? value : [value]).slice(0, 32)) {
      const type = text(item)
      if (type !== undefined) types.push(type)
    }
  }
  if (module === 'exchange-malware' && Array.isArray(event.malware))
    for (const m of event.malware.slice(0, 32)) {
      const type = m !== null && typeof m === 'object' ? text((m as Event).malwareType) : undefined
      if (type !== undefined) types.push(type)
    }
  return types
}

/** `severityScore` or `severity_score` (both spellings appear), as a number from 0 to 100. */
const severityOf = (event: Event): number | undefined => {
  const raw = event.severityScore ?? event.severity_score
  const score = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw
  return typeof score === 'number' && Number.isFinite(score) && score >= 0 && score <= 100 ? score : undefined
}

export const familyKeyOf = (module: string, event: Event): string =>
  contentHash(canonicalJson([module, isSecurityModule(module) ? threatIdentity(module, event) : []]))

export const ruleEventOf = (data: FactData<'SecurityEventReceived'>, at: number): RuleEvent => {
  const severityScore = severityOf(data.event)
  return {
    module: data.module,
    eventTypes: eventTypesOf(data.module, data.event),
    blocked: data.blocked,
    ...(severityScore !== undefined ? { severityScore } : {}),
    at,
    familyKey: familyKeyOf(data.module, data.event)
  }
}
