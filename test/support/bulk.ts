import type { Stack } from '../../demo/stack.js'
import { newId } from '../../src/domain/ids.js'
import { streams } from '../../src/domain/streams.js'
import { demoItems, demoPartner } from '../../simulators/kit/demoSeed.js'
import { clientRow, invoiceHeaderRow, lineRow, recomputeInvoice } from '../../simulators/halopsa/rows.js'
import type { Row } from '../../simulators/halopsa/state.js'

/**
 * Many customers at once, for scale and resilience tests: a company with usage in GravityZone, a
 * client with a recurring invoice in HaloPSA, and a billing-enabled mapping between them. The
 * simulators' state is filled in directly (a real MSP's tenant already exists) and the mappings are
 * created through the registry's command handler, the same decider the API uses, without the
 * per-mapping validation calls an operator's one-at-a-time creation makes.
 */

export type BulkCustomer = { companyId: string; clientId: number; name: string; endpoints: number }

export const populate = async (
  stack: Stack,
  count: number,
  options: {
    month: string
    firstClientId?: number
    /**
     * Endpoints in GravityZone and assets in HaloPSA for each customer (docs/assets.md): this many
     * of each, the first named as its endpoint (the default rule matches it), the others not.
     */
    assetsEach?: number
  }
): Promise<BulkCustomer[]> => {
  const first = options.firstClientId ?? 10_000
  const data = stack.halopsa.state.data()
  const now = Date.now()
  const customers: BulkCustomer[] = Array.from({ length: count }, (_, i) => ({
    companyId: `b${String(i).padStart(23, '0')}`,
    clientId: first + i,
    name: `Bulk Customer ${String(i + 1).padStart(4, '0')}`,
    endpoints: 1 + ((i * 7) % 90)
  }))
  for (const c of customers) {
    stack.gravityzone.state.companies.create({
      id: c.companyId,
      name: c.name,
      type: 1,
      parentId: demoPartner.companyId
    })
    stack.gravityzone.state.usage.set(c.companyId, options.month, { endpointMonthlyUsage: c.endpoints })
    const client = clientRow(c.clientId, { name: c.name }, now)
    data.clients.rows.set(c.clientId, client)
    const id = data.recurringInvoices.next()
    const invoice: Row = invoiceHeaderRow(id, client, { client_id: c.clientId }, now)
    invoice.lines = [
      lineRow(data, id, { _itemid: demoItems[0]!.id, qty_order: 0 }, 1),
      lineRow(data, id, { _itemid: 20, qty_order: 3 }, 2)
    ]
    data.recurringInvoices.rows.set(id, recomputeInvoice(invoice))
    for (let n = 1; n <= (options.assetsEach ?? 0); n++) {
      const name = `BULK${c.clientId}-WS${n}`
      stack.gravityzone.state.endpoints.add({ companyId: c.companyId, name }, { silent: true })
      const assetId = c.clientId * 100 + n
      data.assets.rows.set(assetId, {
        id: assetId,
        inventory_number: `B${c.clientId}-${n}`,
        key_field: n === 1 ? name : `Spare ${n}`,
        client_id: c.clientId,
        client_name: c.name,
        inactive: false,
        fields: [],
        customfields: []
      })
    }
  }
  const { handlers, runner } = stack.relay.relay
  const cause = { actor: 'test', correlationId: newId() }
  let position = 0n
  for (const c of customers) {
    const result = await handlers.registry.handle(
      streams.mappingRegistry(),
      {
        type: 'CreateMapping',
        data: {
          mappingId: newId(),
          gravityzoneCompanyId: c.companyId,
          halopsaClientId: c.clientId,
          gravityzoneCompanyName: c.name,
          halopsaClientName: c.name,
          billing: { enabled: true },
          ticketing: { enabled: false }
        }
      },
      cause
    )
    if (result.position !== null) position = result.position
  }
  await runner.waitForPosition(position)
  return customers
}
