/**
 * Event Push Service module codes (the `module` field of a pushed event and the keys of
 * `subscribeToEventTypes`), docs/platforms/gravityzone.md#event-modules. Shared by the payload
 * classifier and the simulator so both agree on what a security event is.
 */

/** Modules that report a threat or a blocked action on an endpoint: candidates for tickets. */
export const securityModules = [
  'av',
  'hd',
  'avc',
  'aph',
  'fw',
  'dp',
  'uc',
  'antiexploit',
  'network-monitor',
  'network-sandboxing',
  'ransomware-mitigation',
  'new-incident',
  'exchange-malware',
  'storage-antimalware',
  'device-control'
] as const
export type SecurityModule = (typeof securityModules)[number]

/** Everything else GravityZone pushes: agent lifecycle, status changes, tasks, company moves. */
export const platformModules = [
  'new-extended-incident',
  'exchange-user-credentials',
  'exchange-organization-info',
  'modules',
  'registration',
  'install',
  'uninstall',
  'hwid-change',
  'endpoint-moved-in',
  'endpoint-moved-out',
  'task-status',
  'troubleshooting-activity',
  'supa-update-status',
  'sva',
  'sva-load',
  'security-container-update-available',
  'adcloud',
  'partner-changed'
] as const
export type PlatformModule = (typeof platformModules)[number]

export const knownModules: readonly string[] = [...securityModules, ...platformModules]

const securitySet: ReadonlySet<string> = new Set(securityModules)

export const isSecurityModule = (module: string): module is SecurityModule => securitySet.has(module)

/**
 * The `subscribeToEventTypes` keys a public source uses (docs/platforms/gravityzone-fidelity.md, G8):
 * the list in Bitdefender's own n8n node (bitdefender/n8n-nodes-gravityzone,
 * setPushEventSettings.operation.ts), `hd` from a real getPushEventSettings read-back (elastic/integrations,
 * test-push-configuration.json) and `partner-changed`, partner keys only, from a Bitdefender author's
 * node (echerim-bd/n8n-nodes-gravityzone). `device-control` and `storage-antimalware` events exist,
 * but no public source subscribes to them by those names.
 */
export const subscribableEventTypes = [
  'adcloud',
  'antiexploit',
  'aph',
  'av',
  'avc',
  'dp',
  'endpoint-moved-in',
  'endpoint-moved-out',
  'exchange-malware',
  'exchange-user-credentials',
  'fw',
  'hd',
  'hwid-change',
  'install',
  'modules',
  'network-monitor',
  'network-sandboxing',
  'new-extended-incident',
  'new-incident',
  'partner-changed',
  'ransomware-mitigation',
  'registration',
  'security-container-update-available',
  'supa-update-status',
  'sva',
  'sva-load',
  'task-status',
  'troubleshooting-activity',
  'uc',
  'uninstall'
] as const

const subscribableSet: ReadonlySet<string> = new Set(subscribableEventTypes)

export const isSubscribableEventType = (type: string): boolean => subscribableSet.has(type)

const keyChar = /[A-Za-z0-9_-]/

/**
 * The event types of `sent` that an error text names as whole words (`'device-control'`,
 * `subscribeToEventTypes.device-control`, not the `av` inside "available"). GravityZone's wording for
 * a refused key is not published; this reads any wording that quotes or lists the key.
 */
export const namedEventTypes = (text: string, sent: readonly string[]): string[] =>
  sent.filter((type) => {
    for (let at = text.indexOf(type); at >= 0; at = text.indexOf(type, at + 1)) {
      const before = at === 0 ? '' : text[at - 1]!
      const after = text[at + type.length] ?? ''
      if (!keyChar.test(before) && !keyChar.test(after)) return true
    }
    return false
  })
