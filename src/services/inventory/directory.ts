import type { Cause } from '../../domain/metadata.js'
import type { DirectoryEntry, DirectoryKind, Platform } from '../../domain/facts.js'
import type { DirectoryCommand, DirectoryList } from '../../domain/directory.js'
import { streams } from '../../domain/streams.js'
import type { InventoryCompany } from '../../platforms/gravityzone/companyTree.js'
import type { CommandHandler } from '../commandHandler.js'
import { count, type Tally } from './tally.js'

/**
 * Records the platform lists a poll has just read as directory changes (domain/directory.ts): the
 * GravityZone companies and HaloPSA clients of the inventory check, the items of the billing check,
 * and the ticket types, statuses and priorities of the ticketing check. Nothing is asked of a
 * platform for this; a list the poll could not read is not recorded (its entries are not "removed").
 */

/** At most this many facts per list per poll (a first snapshot of 20,000 clients takes about 10). */
const MAX_CHUNKS = 200

export const companyEntry = (c: InventoryCompany): DirectoryEntry => ({
  id: c.id,
  name: c.name,
  ...(c.companyType === 0 ? { partner: true } : {}),
  ...(c.isSuspended ? { suspended: true } : {})
})

export const namedEntry = (e: { id: number; name: string; inactive?: boolean }): DirectoryEntry => ({
  id: e.id,
  name: e.name,
  ...(e.inactive ? { inactive: true } : {})
})

export const createDirectoryRecorder = (deps: { directory: CommandHandler<DirectoryCommand, DirectoryList> }) =>
  async function record(
    platform: Platform,
    kind: DirectoryKind,
    entries: readonly DirectoryEntry[],
    cause: Cause,
    tally: Tally
  ): Promise<void> {
    const command: DirectoryCommand = { type: 'ObserveDirectory', data: { platform, kind, entries } }
    for (let chunk = 0; chunk < MAX_CHUNKS; chunk++) {
      const result = await deps.directory.handle(streams.directory(platform, kind), command, cause)
      count(tally, result)
      if (result.facts.length === 0) return
    }
  }

export type DirectoryRecorder = ReturnType<typeof createDirectoryRecorder>
