import { Worker } from 'node:worker_threads'

/**
 * Worker threads on our own modules. Built, a thread runs the compiled `.js`; under tsx (tests,
 * `npm run dev`) the modules are TypeScript and a worker does not inherit tsx's loader, so the
 * thread loads its module through tsx's API.
 */

/** The URL of the module `./<name>` beside the caller (`import.meta.url`), `.ts` or `.js` like it. */
export const siblingModule = (name: string, callerUrl: string): URL =>
  new URL(`./${name}.${callerUrl.endsWith('.ts') ? 'ts' : 'js'}`, callerUrl)

export const startWorker = (module: URL, workerData: unknown): Worker =>
  module.pathname.endsWith('.ts')
    ? new Worker(
        `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(module.href)}, { parentURL: 'file:///' }))`,
        { eval: true, workerData }
      )
    : new Worker(module, { workerData })
