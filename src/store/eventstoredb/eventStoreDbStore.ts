import type { EventStore } from '../port.js'

// Placeholder until the EventStoreDB adapter lands (issue 3); selected only by esdb:// URLs.
export const openEventStoreDbStore = (_options: { connectionString: string }): EventStore => {
  throw new Error('the EventStoreDB adapter is not built yet')
}
