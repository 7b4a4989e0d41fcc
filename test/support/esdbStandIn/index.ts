// The EventStoreDB stand-in lives beside the platform simulators (simulators/eventstoredb/), where
// `npm run esdb:standin` runs it too; the tests import it from here.
export * from '../../../simulators/eventstoredb/index.js'
