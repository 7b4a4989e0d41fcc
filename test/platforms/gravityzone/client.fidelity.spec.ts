import t from 'tap'
import type { GravityZoneSimulator } from '../../../simulators/gravityzone/server.js'
import { connect, failure, pushSettings, startSimulator } from './support.js'

/**
 * What the client does where GravityZone's behaviour is unpublished or differs by deployment
 * (docs/platforms/gravityzone-fidelity.md): errors for a deleted company (G4), the result of
 * setPushEventSettings (G9) and the service segment an on-premises Control Center needs (G5).
 */

const rpcError = (code: number, message: string, details: string) => ({
  id: 1,
  jsonrpc: '2.0',
  error: { code, message, data: { details } }
})

const answerOnce = (sim: GravityZoneSimulator, match: string, status: number, body: unknown) =>
  sim.faults.add({ match: `POST /api/v1.0/jsonrpc/${match}`, status, body, count: 1 })

t.test('errors for a company that is gone (G4)', async (t) => {
  const sim = await startSimulator(t)
  const client = connect(t, sim)

  t.test('given -32000 saying "not found" about the company asked for, the kind is not_found', async (t) => {
    answerOnce(sim, 'companies getCompanyDetails', 200, rpcError(-32000, 'Server error', 'Company not found.'))
    t.match(await failure(client.getCompanyDetails('5f1557cbe7b2584f3959ee19')), {
      kind: 'not_found',
      rpcCode: -32000
    })
  })

  t.test('given an HTTP 404 carrying a JSON-RPC error that says so, the kind is not_found', async (t) => {
    answerOnce(sim, 'companies getCompanyDetails', 404, rpcError(-32000, 'Server error', 'The company does not exist'))
    t.match(await failure(client.getCompanyDetails('5f1557cbe7b2584f3959ee19')), { kind: 'not_found', status: 404 })
  })

  t.test('given an HTTP 404 whose JSON-RPC error says something else, it stays an error', async (t) => {
    answerOnce(sim, 'companies getCompanyDetails', 404, rpcError(-32000, 'Server error', 'Internal failure'))
    t.match(await failure(client.getCompanyDetails('5f1557cbe7b2584f3959ee19')), { kind: 'rpc', status: 404 })
  })

  t.test('given a bare 404 (no JSON-RPC error), the path is wrong, not the company: rejected', async (t) => {
    answerOnce(sim, 'companies getCompanyDetails', 404, { message: 'Not Found' })
    t.match(await failure(client.getCompanyDetails('5f1557cbe7b2584f3959ee19')), { kind: 'rejected', status: 404 })
  })

  t.test('given "Method not found" (-32601), the kind is never not_found', async (t) => {
    answerOnce(sim, 'companies getCompanyDetails', 404, rpcError(-32601, 'Method not found', 'Method not found'))
    t.match(await failure(client.getCompanyDetails('5f1557cbe7b2584f3959ee19')), { kind: 'rpc', rpcCode: -32601 })
  })

  t.test('given "not found" wording on a call that names no company, it stays an error', async (t) => {
    answerOnce(sim, 'general getApiKeyDetails', 200, rpcError(-32000, 'Server error', 'Resource not found'))
    t.match(await failure(client.getApiKeyDetails()), { kind: 'rpc' })
  })

  t.test('given the real "Invalid params" about items, a company lookup is rejected, not not_found', async (t) => {
    answerOnce(
      sim,
      'companies getCompanyDetails',
      400,
      rpcError(-32602, 'Invalid params', 'One or more items are not available for the specified action.')
    )
    t.match(await failure(client.getCompanyDetails('5f1557cbe7b2584f3959ee19')), { kind: 'rejected' })
  })
})

t.test('setPushEventSettings accepts any result once GravityZone has answered without an error (G9)', async (t) => {
  const sim = await startSimulator(t)
  const client = connect(t, sim)
  const settings = pushSettings('https://relay.example.com/webhooks/gravityzone')
  const results: [unknown, boolean][] = [
    [true, true],
    [{ success: true }, true],
    [null, true],
    ['queued', false],
    [{ stored: 1 }, false]
  ]
  for (const [result, acknowledged] of results) {
    answerOnce(sim, 'push setPushEventSettings', 200, { id: 1, jsonrpc: '2.0', result })
    const answer = await client.setPushEventSettings(settings)
    t.equal(answer.acknowledged, acknowledged, `result ${JSON.stringify(result)}`)
    t.equal(answer.answer, JSON.stringify(result))
  }
  t.match(await client.setPushEventSettings(settings), { acknowledged: true, answer: 'true' }, 'the simulator: true')
})

t.test('getManagedEndpointDetails on an on-premises Control Center (G5)', async (t) => {
  t.test('given the method refused on network, the client asks network/computers and keeps it', async (t) => {
    const sim = await startSimulator(t, { flavour: 'on-premises' })
    const company = sim.state.companies.create({ name: 'Harbour Clinic' })
    const endpoint = sim.state.endpoints.add({ companyId: company.id })
    const client = connect(t, sim)

    t.match(await client.getManagedEndpointDetails(endpoint.id), { id: endpoint.id, companyId: company.id })
    t.equal(sim.calls.of('network.getManagedEndpointDetails'), 2, 'network, then network/computers')
    await client.getManagedEndpointDetails(endpoint.id)
    t.equal(sim.calls.of('network.getManagedEndpointDetails'), 3, 'the segment is remembered: one call')
  })

  t.test('given an endpoint that is gone, the answer from network/computers decides: not_found', async (t) => {
    const sim = await startSimulator(t, { flavour: 'on-premises' })
    const client = connect(t, sim)
    t.match(await failure(client.getManagedEndpointDetails('5cf51ba5e8ee8c5b1852a9d7')), {
      kind: 'not_found',
      rpcCode: -32602,
      call: 'network/computers.getManagedEndpointDetails'
    })
  })

  t.test('given a cloud console, one call on network and nothing else', async (t) => {
    const sim = await startSimulator(t)
    const endpoint = sim.state.endpoints.add({ companyId: sim.state.rootId })
    const client = connect(t, sim)
    t.match(await client.getManagedEndpointDetails(endpoint.id), { id: endpoint.id })
    t.equal(sim.calls.of('network.getManagedEndpointDetails'), 1)
    t.match(await failure(client.getManagedEndpointDetails('5cf51ba5e8ee8c5b1852a9d7')), {
      kind: 'not_found',
      call: 'network.getManagedEndpointDetails'
    })
    t.equal(sim.calls.of('network.getManagedEndpointDetails'), 2, 'a missing endpoint is not retried elsewhere')
  })
})
