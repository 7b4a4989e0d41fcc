/**
 * The usage counters GravityZone reports (getMonthlyUsage and getMonthlyUsagePerProductType; the
 * names are in docs/platforms/gravityzone.md), the only names an item mapping may bill. A name
 * outside the list (a typo, or `constructor`) would match no counter and bill quantity 0 on the
 * invoice every month, so it is refused when the mapping is written. A counter GravityZone adds
 * later needs a release that lists it.
 */
export const knownUsageCounters = [
  'endpointMonthlyUsage',
  'aLaCarteMonthlyUsage',
  // The spelling of some versions of the documentation (src/platforms/gravityzone/usage.ts).
  'aLaCarteMonhtlyUsage',
  'mspSecureMonthlyUsage',
  'mspSecurePlusMonthlyUsage',
  'mspSecureExtraMonthlyUsage',
  'mspSecureEssentialsMonthlyUsage',
  'emailSecurityMonthlyUsage',
  'mobileSecurityMonthlyUsage',
  'exchangeMonthlyUsage',
  'encryptionMonthlyUsage',
  'atsMonthlyUsage',
  'edrMonthlyUsage',
  'mdrFoundationsMonthlyUsage',
  'mdrResponseMonthlyUsage',
  'patchManagementMonthlyUsage',
  'containerProtectionMonthlyUsage',
  'integrityMonitoringUsage',
  'integrityMonitoring90DaysUsage',
  'integrityMonitoring180DaysUsage',
  'integrityMonitoring1YearUsage',
  'xdrIdentitySensorsMonthlyUsage',
  'xdrProductivitySensorsMonthlyUsage',
  'sveVsMonthlyUsage',
  'sveVdiMonthlyUsage',
  'complianceMonthlyUsage',
  'phasrMonthlyUsage'
] as const

export type KnownUsageCounter = (typeof knownUsageCounters)[number]

const known: ReadonlySet<string> = new Set(knownUsageCounters)

export const isKnownUsageCounter = (name: string): name is KnownUsageCounter => known.has(name)
