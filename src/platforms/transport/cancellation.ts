import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * Work that can be stopped (a job run skipped, or the relay shutting down) carries an AbortSignal
 * to every outbound call it makes, directly or not, without threading it through each client
 * method: the transport reads it here and stops waiting (for the limiter, a backoff or an answer)
 * as soon as it fires, with the signal's reason as the error.
 */
const scopes = new AsyncLocalStorage<AbortSignal>()

/** Runs `work` with every outbound call it makes abandoned once `signal` aborts. */
export const cancellableBy = <T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> => {
  // Inside another cancellable scope (a job run of the leader's work), either signal stops the calls.
  const outer = scopes.getStore()
  return scopes.run(outer ? AbortSignal.any([outer, signal]) : signal, work)
}

export const currentCancellation = (): AbortSignal | undefined => scopes.getStore()
