import type { DirectoryEntry, DirectoryKind, Platform } from '../../src/domain/facts.js'
import { streams } from '../../src/domain/streams.js'
import type { Relay } from '../../src/services/relay.js'

/**
 * Records a platform list as a poll would (the directory decider, chunk after chunk), and waits
 * until the read models have it.
 */
export const seedDirectory = async (
  relay: Pick<Relay, 'handlers' | 'runner'>,
  platform: Platform,
  kind: DirectoryKind,
  entries: DirectoryEntry[]
): Promise<number> => {
  let facts = 0
  for (;;) {
    const result = await relay.handlers.directory.handle(
      streams.directory(platform, kind),
      { type: 'ObserveDirectory', data: { platform, kind, entries } },
      { actor: 'scheduler', correlationId: 'test-poll' }
    )
    if (result.position === null) return facts
    facts += result.facts.length
    await relay.runner.waitForPosition(result.position)
  }
}
