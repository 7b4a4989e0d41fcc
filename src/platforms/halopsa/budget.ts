import { AsyncLocalStorage } from 'node:async_hooks'

/**
 * HaloPSA's rate budget is shared by work of two kinds. `tickets` (creating a ticket, adding a
 * note, closing it, and the lookups those need) may use the whole window and is served first;
 * `background` (polls, billing, directory reads) never uses the reserve at the end of the window,
 * so a burst of polls or a billing run cannot delay the tickets people are waiting for.
 *
 * The class travels with the work rather than through every resource call: the ticketing
 * processor runs its handler in a `tickets` scope, the scheduled jobs in a `background` scope, and
 * the HaloPSA http layer reads the scope of the call it sends. Outside any scope, the path decides
 * (tickets and their actions are `tickets`, everything else `background`).
 */

export type BudgetClass = 'tickets' | 'background'

export type BudgetScope = {
  budget: BudgetClass
  /** Aborts this scope's waits for the budget (a job being stopped or skipped). */
  signal?: AbortSignal
  /** Told when a call of this scope has to wait for the budget, with the time it expects a slot. */
  onWait?(untilMs: number): void
}

const scopes = new AsyncLocalStorage<BudgetScope>()

/** Runs `work` with every HaloPSA call it makes, directly or not, counted in `scope`. */
export const inBudget = <T>(scope: BudgetScope, work: () => Promise<T>): Promise<T> => scopes.run(scope, work)

export const currentBudgetScope = (): BudgetScope | undefined => scopes.getStore()

/** Tickets and their actions (`/api/Tickets…`, `/api/Actions…`); anything else is background. */
export const budgetOfPath = (path: string): BudgetClass =>
  /^\/api\/(tickets|actions)\b/i.test(path) ? 'tickets' : 'background'
