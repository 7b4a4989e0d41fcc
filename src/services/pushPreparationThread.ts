import { parentPort } from 'node:worker_threads'
import { preparePush, type PushLimits } from './pushPreparation.js'

/**
 * A preparation thread (pushPreparers.ts): a body in, its prepared facts out. A body whose
 * preparation throws is answered with the error's message, so one bad body never ends the thread.
 */

export type PreparationRequest = { id: number; body: Uint8Array; limits: PushLimits }
export type PreparationAnswer =
  { id: number; prepared: ReturnType<typeof preparePush> } | { id: number; failed: string }

if (parentPort) {
  const port = parentPort
  port.on('message', ({ id, body, limits }: PreparationRequest) => {
    let answer: PreparationAnswer
    try {
      answer = { id, prepared: preparePush(body, limits) }
    } catch (error) {
      answer = { id, failed: error instanceof Error ? error.message : String(error) }
    }
    port.postMessage(answer)
  })
}
