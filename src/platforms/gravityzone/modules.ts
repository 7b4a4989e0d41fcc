/**
 * Event Push Service module codes (the `module` field of a pushed event and the keys of
 * `subscribeToEventTypes`), reference/gravityzone.md §4.7. Shared by the payload classifier and the
 * simulator so both agree on what a security event is.
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
