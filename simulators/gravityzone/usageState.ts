/**
 * Monthly usage snapshots and licences (docs/platforms/gravityzone.md#monthly-usage). Each company
 * has its own counters per month and product type; what the API reports for a company is its own
 * plus every descendant's (the live observation: a parent's counters include its sub-companies). A
 * month with no snapshot reads as zeros: counters reset at 00:00 GMT on the 1st.
 */

/**
 * The counter set a live tenant returns for every company, zeros included
 * (docs/platforms/gravityzone.md#monthly-usage).
 */
export const usageCounterNames = [
  'endpointMonthlyUsage',
  'aLaCarteMonthlyUsage',
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
  'complianceMonthlyUsage',
  'sveVsMonthlyUsage',
  'sveVdiMonthlyUsage'
] as const

export type Counters = Record<string, number>

export type SimLicence = {
  /** 1 trial, 2 licensed, 3 monthly subscription, 4 monthly licence trial, 5 monthly subscription trial, 6 FRAT. */
  subscriptionType: number
  totalSlots: number | null
  expiryDate: string | null
  licenseKey: string | null
  endSubscription: string | null
  autoRenewPeriod: number | null
  addons: Record<string, boolean>
  /** Committed minimum per counter (getMonthlyUsage's `minimumUsage`). */
  minimumUsage: Counters
}

export const zeroCounters = (): Counters => Object.fromEntries(usageCounterNames.map((name) => [name, 0]))

export type UsageState = ReturnType<typeof createUsageState>

export const createUsageState = (options: { descendantIds: (companyId: string) => string[] }) => {
  /** companyId → month → productType → own counters. */
  const own = new Map<string, Map<string, Map<number, Counters>>>()
  const licences = new Map<string, SimLicence>()

  const ownCounters = (companyId: string, month: string, productType: number): Counters | undefined =>
    own.get(companyId)?.get(month)?.get(productType)

  return {
    /** Replaces a company's own counters for a month (unnamed counters are zero). */
    set(companyId: string, month: string, counters: Counters, productType = 0) {
      const months = own.get(companyId) ?? new Map<string, Map<number, Counters>>()
      own.set(companyId, months)
      const types = months.get(month) ?? new Map<number, Counters>()
      months.set(month, types)
      types.set(productType, { ...zeroCounters(), ...counters })
    },
    own: (companyId: string, month: string, productType = 0): Counters => ({
      ...zeroCounters(),
      ...ownCounters(companyId, month, productType)
    }),
    /** Own plus every descendant's, counter by counter. */
    total(companyId: string, month: string, productType = 0): Counters {
      const total = zeroCounters()
      for (const id of [companyId, ...options.descendantIds(companyId)]) {
        for (const [name, value] of Object.entries(ownCounters(id, month, productType) ?? {}))
          total[name] = (total[name] ?? 0) + value
      }
      return total
    },
    /** The product types with a snapshot in the company's subtree for the month; 0 always. */
    productTypes(companyId: string, month: string): number[] {
      const types = new Set<number>([0])
      for (const id of [companyId, ...options.descendantIds(companyId)])
        for (const type of own.get(id)?.get(month)?.keys() ?? []) types.add(type)
      return [...types].sort((a, b) => a - b)
    },
    setLicence(companyId: string, licence: Partial<SimLicence>) {
      licences.set(companyId, { ...defaultLicence(), ...licences.get(companyId), ...licence })
    },
    licence: (companyId: string): SimLicence => licences.get(companyId) ?? defaultLicence(),
    remove(companyId: string) {
      own.delete(companyId)
      licences.delete(companyId)
    }
  }
}

export const defaultLicence = (): SimLicence => ({
  subscriptionType: 3,
  totalSlots: null,
  expiryDate: null,
  licenseKey: null,
  endSubscription: null,
  autoRenewPeriod: 12,
  addons: {
    manageExchange: false,
    manageEncryption: false,
    manageHyperDetect: true,
    manageSandboxAnalyzer: false,
    managePatchManagement: true,
    manageEventCorrelator: false,
    manageEmailSecurity: false
  },
  minimumUsage: {}
})
