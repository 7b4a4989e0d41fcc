import type { EventStore, StoredFact } from './port.js'
import { isStreamNotFound } from './errors.js'

/** The last fact of a stream, or undefined when the stream has none (or does not exist yet). */
export const lastFact = async (store: EventStore, stream: string): Promise<StoredFact | undefined> => {
  try {
    const [last] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 })
    return last
  } catch (error) {
    if (isStreamNotFound(error)) return undefined
    throw error
  }
}
