import t from 'tap'
import { ticketText } from '../../src/services/securityEventText.js'
import type { FactData } from '../../src/domain/facts.js'
import type { Mapping } from '../../src/domain/mappingRegistry.js'

/** What a security event's ticket says about the endpoint (docs/assets.md#tickets). */

const mapping: Mapping = {
  id: 'm1',
  gravityzoneCompanyId: 'c'.repeat(24),
  gravityzoneCompanyName: 'Acme Dental Group',
  halopsaClientId: 101,
  billing: { enabled: false },
  ticketing: { enabled: true },
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z'
}
const event: FactData<'SecurityEventReceived'> = {
  deliveryId: 'd1',
  index: 0,
  eventKey: 'k1',
  threatKey: 't1',
  module: 'av',
  endpointId: 'e'.repeat(24),
  endpointName: 'ACME-WS001',
  threatName: 'Trojan.Generic.1',
  blocked: true,
  isTest: false,
  event: { final_status: 'deleted', computer_ip: '192.0.2.7', malware_name: 'Trojan.Generic.1' }
}
const endpoint = {
  id: 'e'.repeat(24),
  name: 'ACME-WS001',
  ip: '10.0.0.1',
  macs: ['00155d01ab02'],
  fqdn: 'ws001.acme.local'
}

t.test('the details name the endpoint, its addresses, the asset, the module, the threat and the action', async (t) => {
  const text = ticketText(event, mapping, {
    endpoint,
    asset: { id: 501, name: 'ACME-WS001', inventoryNumber: 'A-0001' }
  })
  t.match(text.details, /Endpoint: ACME-WS001 \(id e{24}\)/)
  t.match(text.details, /IP address: 10\.0\.0\.1/)
  t.match(text.details, /MAC address: 00:15:5d:01:ab:02/)
  t.match(text.details, /FQDN: ws001\.acme\.local/)
  t.match(text.details, /HaloPSA asset: ACME-WS001 \(A-0001\)/)
  t.match(text.details, /Threat: Trojan\.Generic\.1/)
  t.match(text.details, /Action taken by GravityZone: deleted/)
  t.match(text.details, /In GravityZone: Network page of GravityZone Control Center, company Acme Dental Group/)
  t.notMatch(text.detailsHtml, /<a /, 'no link without GZ_ENDPOINT_URL')
})

t.test(
  'without a directory entry the event supplies the IP; with GZ_ENDPOINT_URL the endpoint is a link',
  async (t) => {
    const url = `https://cloud.example/#!/network?endpoint=${'e'.repeat(24)}&x=<b>`
    const text = ticketText(event, mapping, { endpointUrl: url })
    t.match(text.details, /IP address: 192\.0\.2\.7/)
    t.match(text.details, /HaloPSA asset: none matched/)
    t.match(text.detailsHtml, /<a href="https:\/\/cloud\.example\/#!\/network\?endpoint=e{24}&amp;x=&lt;b&gt;">/)
  }
)
