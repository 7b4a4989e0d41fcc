import { createHash } from 'node:crypto'

/**
 * One fictional MSP shared by both simulators' `--seed demo`: the same customers exist as
 * GravityZone companies and as HaloPSA clients (names match, ids are each platform's own), so the
 * demo can map them. A few are deliberately present on one side only.
 */
export type DemoCustomer = {
  name: string
  /** GravityZone company id: 24 hex characters, like the real ones. */
  companyId: string
  /** HaloPSA client id. */
  clientId: number
  endpoints: number
  /** Which side(s) have it. */
  on: 'both' | 'gravityzone' | 'halopsa'
  /** Billed monthly through a recurring invoice in HaloPSA. */
  billed: boolean
}

const names = [
  'Acme Dental Group',
  'Birchwood Legal LLP',
  'Cobalt Logistics',
  'Dunmore Veterinary',
  'Elmstead Primary School',
  'Fenwick Architects',
  'Greystone Accounting',
  'Harbour View Hotel',
  'Ironbridge Engineering',
  'Juniper Health Clinic',
  'Kestrel Insurance Brokers',
  'Larkspur Florists',
  'Meridian Property Management',
  'Northgate Motors',
  'Oakridge Family Practice',
  'Pinecrest Manufacturing',
  'Quayside Marine Supplies',
  'Redfern Solicitors',
  'Silverline Couriers',
  'Thornbury Bakery',
  'Upland Farm Cooperative',
  'Valebrook Care Home',
  'Westfield Opticians',
  'Yarrow Design Studio',
  'Zenith Recruitment',
  'Ashcombe Pharmacy',
  'Bramblewood Nurseries',
  'Caldwell & Sons Plumbing',
  'Dovetail Joinery',
  'Everly Physiotherapy',
  'Foxglove Marketing',
  'Glenmore Golf Club',
  'Hawthorn Credit Union',
  'Ivybridge Dental Lab',
  'Jasper Wealth Partners',
  'Kingsmead Surveyors',
  'Lindenhall Church Trust',
  'Mapleton Brewery'
]

export const demoCustomers: DemoCustomer[] = names.map((name, i) => ({
  name,
  companyId: createHash('sha256').update(`gz-company:${name}`).digest('hex').slice(0, 24),
  clientId: 101 + i,
  endpoints: 5 + ((i * 37) % 140),
  on: i === names.length - 2 ? 'gravityzone' : i === names.length - 1 ? 'halopsa' : 'both',
  billed: i % 5 !== 4
}))

/** The MSP's own partner company in GravityZone (the API key's company). */
export const demoPartner = {
  name: 'Northwind Managed Services',
  companyId: createHash('sha256').update('gz-company:partner').digest('hex').slice(0, 24)
}

/** HaloPSA items the MSP bills GravityZone usage with. */
export const demoItems = [
  {
    id: 12,
    name: 'Bitdefender GravityZone Business Security (per endpoint)',
    counter: 'endpointMonthlyUsage',
    price: 3.5
  },
  { id: 13, name: 'Bitdefender EDR add-on (per endpoint)', counter: 'edrMonthlyUsage', price: 2.25 },
  { id: 14, name: 'Bitdefender Patch Management (per endpoint)', counter: 'patchManagementMonthlyUsage', price: 1.1 },
  { id: 15, name: 'Bitdefender Email Security (per mailbox)', counter: 'emailSecurityMonthlyUsage', price: 1.75 }
]

/** A demo customer's n-th endpoint (from 1), as GravityZone lists it and HaloPSA's assets name it. */
export const demoEndpoint = (customer: DemoCustomer, n: number) => {
  const prefix = customer.name
    .replace(/[^A-Za-z]/g, '')
    .slice(0, 4)
    .toUpperCase()
  const name = `${prefix}-WS${String(n).padStart(3, '0')}`
  return {
    name,
    prefix,
    mac: createHash('sha256').update(`gz-mac:${customer.companyId}:${n}`).digest('hex').slice(0, 12)
  }
}

export type DemoAsset = {
  keyField: string
  inventoryNumber: string
  assetType: 'Workstation' | 'Printer'
  /** The MAC address recorded on the asset, colon-separated as people type them. */
  mac?: string
}

/**
 * The HaloPSA assets of a demo customer: three endpoints in four have one named as GravityZone
 * labels them (some in lower case), every fourth has none, and a printer matches no endpoint.
 */
export const demoAssets = (customer: DemoCustomer): DemoAsset[] => {
  if (customer.on !== 'both') return []
  const assets: DemoAsset[] = []
  for (let n = 1; n <= Math.min(customer.endpoints, 40); n++) {
    if (n % 4 === 0) continue
    const e = demoEndpoint(customer, n)
    assets.push({
      keyField: n % 7 === 3 ? e.name.toLowerCase() : e.name,
      inventoryNumber: `${e.prefix}-A${String(n).padStart(4, '0')}`,
      assetType: 'Workstation',
      mac: e.mac.match(/../g)!.join(':').toUpperCase()
    })
  }
  const printer = demoEndpoint(customer, 0).prefix
  assets.push({ keyField: `${printer}-PRN01`, inventoryNumber: `${printer}-P0001`, assetType: 'Printer' })
  return assets
}
