import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import t from 'tap'

/**
 * Runs every `*.spec.ts` beside the calling file, in name order, in this one process.
 *
 * Each test file tap starts is a Node process that loads tsx, tap and the modules under test before
 * its first assertion: about a second and a half of CPU, more than most unit files take to run. So
 * the small, self-contained files of a folder are named `*.spec.ts` and run together through the
 * folder's `batch.test.ts`; a file that is slow, changes process-wide state or must die alone stays
 * a `*.test.ts` of its own (docs/testing.md#test-files-and-batches). One spec still runs by itself:
 * `npx tap test/domain/ids.spec.ts`.
 */
export const runSpecsBeside = async (batchUrl: string): Promise<void> => {
  const folder = fileURLToPath(new URL('.', batchUrl))
  const specs = readdirSync(folder)
    .filter((name) => name.endsWith('.spec.ts'))
    .sort()
  if (specs.length === 0) throw new Error(`no *.spec.ts beside ${fileURLToPath(batchUrl)}`)
  // One after the other, inside a test of their own: their top-level t.test calls queue on tap's
  // root test in this order and run once all are loaded. Loaded at the root instead, tap could end
  // the root test in the gap between two files (all queued tests done, the next file still loading)
  // and refuse the next file's tests ("cannot create subtest after parent test ends").
  await t.test(`load ${specs.length} spec files`, async (t) => {
    for (const name of specs) await import(pathToFileURL(join(folder, name)).href)
    t.pass(specs.join(', '))
  })
}
