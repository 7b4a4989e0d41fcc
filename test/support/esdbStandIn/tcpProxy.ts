export * from '../../../simulators/eventstoredb/tcpProxy.js'
