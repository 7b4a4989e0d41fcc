import type { DirectoryEntry } from '../../../src/domain/facts.js'
import { demoCustomers } from '../../../simulators/kit/demoSeed.js'
import { seedDirectory } from '../../support/directory.js'
import type { DashboardRelay } from './relay.js'

/**
 * The demo MSP's platform directories as a poll would record them: every demo customer as a
 * GravityZone company and a HaloPSA client (names as the demo has them, except two GravityZone
 * names written differently, so the suggestions hold an exact match after normalisation and a
 * near one), and HaloPSA's items, ticket types, statuses and priorities.
 */
export const gravityZoneSpelling: Record<string, string> = {
  'Caldwell & Sons Plumbing': 'Caldwell and Sons Plumbing Ltd.',
  'Harbour View Hotel': 'Harbor View Hotels'
}

export const seedDemoDirectory = async (ctx: DashboardRelay) => {
  const companies: DirectoryEntry[] = demoCustomers
    .filter((c) => c.on !== 'halopsa')
    .map((c) => ({ id: c.companyId, name: gravityZoneSpelling[c.name] ?? c.name }))
  const clients: DirectoryEntry[] = demoCustomers
    .filter((c) => c.on !== 'gravityzone')
    .map((c) => ({ id: c.clientId, name: c.name }))
  await seedDirectory(ctx.relay, 'gravityzone', 'companies', companies)
  await seedDirectory(ctx.relay, 'halopsa', 'clients', clients)
  await seedDirectory(ctx.relay, 'halopsa', 'items', [
    { id: 11, name: 'Endpoint protection (per device)' },
    { id: 12, name: 'EDR add-on (per device)' },
    { id: 13, name: 'Patch management (per device)' }
  ])
  await seedDirectory(ctx.relay, 'halopsa', 'ticketTypes', [
    { id: 1, name: 'Incident' },
    { id: 21, name: 'Security alert' }
  ])
  await seedDirectory(ctx.relay, 'halopsa', 'statuses', [
    { id: 1, name: 'New' },
    { id: 9, name: 'Closed' }
  ])
  await seedDirectory(ctx.relay, 'halopsa', 'priorities', [
    { id: 1, name: 'Critical' },
    { id: 2, name: 'High' },
    { id: 3, name: 'Medium' },
    { id: 4, name: 'Low' }
  ])
}
