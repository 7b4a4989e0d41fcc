import type { Config } from '../config.js'
import type { TicketingConfiguration } from '../domain/facts.js'
import type { GravityZoneClient } from '../platforms/gravityzone/client.js'
import { previousUsageMonth, usageMonth } from '../platforms/gravityzone/usage.js'
import { tokenUrl } from '../platforms/halopsa/auth.js'
import type { HaloPsaClient } from '../platforms/halopsa/client.js'
import type { HaloPriority, HaloStatus, HaloTicketTypeDetail } from '../platforms/halopsa/schemas.js'
import { gravityzoneChecks } from './doctorGravityZone.js'
import { halopsaChecks } from './doctorHaloPsa.js'
import { runChecks, type DoctorCheck, type DoctorReport } from './doctorReport.js'

/**
 * `npm run doctor` and `GET /api/doctor` (docs/doctor.md): the relay's platform calls made once,
 * read-only, against the configured tenant. The checks live in two tables, one per platform, so a
 * change of a client's shape changes one row.
 */

export type DoctorDeps = {
  gravityzone: GravityZoneClient
  halopsa: HaloPsaClient
  /** PUBLIC_URL: where the push settings and the HaloPSA webhook should point. */
  publicUrl?: string
  /** The token URL the HaloPSA client uses (no secret in it), for the report. */
  haloTokenUrl: string
  /** HALO_WEBHOOK_USER: the Basic user the relay's HaloPSA webhook should carry (not a secret). */
  haloWebhookUser?: string
  /** The ticketing configuration as the relay stored it; absent when the event store is not at hand. */
  ticketingConfiguration?: () => Promise<TicketingConfiguration | undefined>
  now?: () => Date
}

/** What earlier checks found that later ones use (an id to look up, a list to compare with). */
export type DoctorFindings = {
  companyId?: string
  clientId?: number
  itemId?: number
  invoiceId?: number
  ticketTypeId?: number
  ticketType?: HaloTicketTypeDetail | null
  ticketId?: number
  statuses?: HaloStatus[]
  priorities?: HaloPriority[]
}

export type DoctorContext = DoctorDeps & {
  found: DoctorFindings
  /** The stored ticketing configuration, read once: undefined when not configured, null when unknown. */
  ticketing(): Promise<TicketingConfiguration | undefined | null>
  /** The month billing bills by default. */
  lastMonth: string
}

export type Doctor = {
  /** Runs every check; a run asked for while one is going shares it. */
  run(): Promise<DoctorReport>
}

/** The parts of the doctor's dependencies the relay's configuration gives (the URLs, no secret). */
export const doctorSettings = (config: Config): Pick<DoctorDeps, 'publicUrl' | 'haloTokenUrl' | 'haloWebhookUser'> => ({
  ...(config.PUBLIC_URL ? { publicUrl: config.PUBLIC_URL } : {}),
  // Without HALO_AUTH_URL the client asks the instance's /api/authinfo for its authorisation server.
  haloTokenUrl: config.HALO_AUTH_URL
    ? tokenUrl({
        url: config.HALO_URL,
        authUrl: config.HALO_AUTH_URL,
        ...(config.HALO_TENANT ? { tenant: config.HALO_TENANT } : {})
      })
    : `the server ${config.HALO_URL.replace(/\/+$/, '')}/api/authinfo names`,
  haloWebhookUser: config.HALO_WEBHOOK_USER
})

export const doctorChecks: readonly DoctorCheck<DoctorContext>[] = [...gravityzoneChecks, ...halopsaChecks]

export const createDoctor = (deps: DoctorDeps): Doctor => {
  const now = deps.now ?? (() => new Date())
  let running: Promise<DoctorReport> | undefined
  const run = async (): Promise<DoctorReport> => {
    let stored: Promise<TicketingConfiguration | undefined | null> | undefined
    const context: DoctorContext = {
      ...deps,
      found: {},
      lastMonth: previousUsageMonth(usageMonth(now())),
      // A store that cannot be read makes the configuration unknown, not the run fail.
      ticketing: () =>
        (stored ??= deps.ticketingConfiguration
          ? deps.ticketingConfiguration().catch(() => null)
          : Promise.resolve(null))
    }
    return runChecks(doctorChecks, context, () => now().getTime())
  }
  return {
    run: () =>
      (running ??= run().finally(() => {
        running = undefined
      }))
  }
}
