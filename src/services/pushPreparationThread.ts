import { parentPort } from 'node:worker_threads'
import { preparePush } from './pushPreparation.js'

/** A preparation thread (pushPreparers.ts): a body in, its prepared facts out. */

export type PreparationRequest = { id: number; body: Uint8Array }
export type PreparationAnswer = { id: number; prepared: ReturnType<typeof preparePush> }

if (parentPort) {
  const port = parentPort
  port.on('message', ({ id, body }: PreparationRequest) =>
    port.postMessage({ id, prepared: preparePush(body) } satisfies PreparationAnswer)
  )
}
