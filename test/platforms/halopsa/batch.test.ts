import { runSpecsBeside } from '../../support/specs.js'

// This folder's *.spec.ts files, in one process (test/support/specs.ts).
await runSpecsBeside(import.meta.url)
