import type { Clock } from '../../src/platforms/transport/clock.js'
import { fakeId, isoSeconds } from './events/context.js'
import { makeEvent, type EventVariant, type GeneratedEvent } from './events/index.js'
import { createUsageState, type UsageState } from './usageState.js'

/**
 * The simulated tenant: a company tree under the partner that owns the API keys, endpoints, usage
 * and licences, all changeable the way the real console changes them
 * (docs/platforms/gravityzone.md#companies, #monthly-usage). Changes that GravityZone announces
 * over the push service (installs, moves) are emitted.
 */

export type SimCompany = {
  id: string
  name: string
  /** 0 partner, 1 customer. */
  type: 0 | 1
  parentId: string | null
  address: string
  phone: string
  country: string
  state: string
  industry: number
  canBeManagedByAbove: boolean
  enforce2FA: boolean
  skip2FAPeriod: number
  isSuspended: boolean
  createdAt: string
  /** 1 trial, 2 yearly, 3 monthly (getCompaniesList's licenseType filter). */
  licenseType: 1 | 2 | 3
}

export type SimEndpoint = {
  id: string
  name: string
  /** The label an administrator set in the console (here the name unless given). */
  label: string
  companyId: string
  fqdn: string
  ip: string
  /** 12 hex digits without separators, as getEndpointsList lists them (fixture gz-getEndpointsList-response.json). */
  macs: string[]
  /** The Active Directory SID (BD-DOC 77212-128494); empty outside a domain. */
  ssid: string
  os: string
  hwid: string
  product: 'BEST' | 'EPS' | 'SVA'
  isManaged: boolean
  lastSeen: string
}

export class SimStateError extends Error {
  readonly code: 'not_found' | 'invalid' | 'conflict'
  readonly param: string | undefined
  constructor(code: 'not_found' | 'invalid' | 'conflict', message: string, param?: string) {
    super(message)
    this.name = 'SimStateError'
    this.code = code
    this.param = param
  }
}

export type NewCompany = Partial<Omit<SimCompany, 'id' | 'createdAt'>> & { name: string; id?: string }
export type NewEndpoint = Partial<Omit<SimEndpoint, 'companyId'>> & { companyId: string }
export type EmitOptions = {
  endpointId?: string
  variant?: EventVariant
  overrides?: Record<string, unknown>
  moved?: { companyId: string; action: 'joined' | 'left' }
}
/** An event and the company it belongs to (which may differ from its `companyId` field, or lack one). */
export type Emission = { ownerCompanyId: string; event: GeneratedEvent }

export type SimState = ReturnType<typeof createSimState>

export const createSimState = (options: { clock: Clock; root: { id: string; name: string } }) => {
  const companies = new Map<string, SimCompany>()
  const endpoints = new Map<string, SimEndpoint>()
  /** Endpoints by company: listing one company's must not scan a tenant of thousands. */
  const byCompany = new Map<string, Map<string, SimEndpoint>>()
  const place = (e: SimEndpoint) => {
    let own = byCompany.get(e.companyId)
    if (!own) byCompany.set(e.companyId, (own = new Map()))
    own.set(e.id, e)
  }
  const unplace = (e: SimEndpoint) => byCompany.get(e.companyId)?.delete(e.id)
  const listeners = new Set<(emission: Emission) => void>()
  let seq = 0
  const nextSeq = () => ++seq

  const company = (id: string, param = 'companyId'): SimCompany => {
    const found = companies.get(id)
    if (!found) throw new SimStateError('not_found', `Invalid value for '${param}'`, param)
    return found
  }
  const childrenOf = (id: string) => [...companies.values()].filter((c) => c.parentId === id)
  /** Breadth first, in creation order: the order the inventory listing pages through. */
  const descendantsOf = (id: string): SimCompany[] => {
    const byParent = new Map<string, SimCompany[]>()
    for (const c of companies.values()) {
      if (c.parentId === null) continue
      const siblings = byParent.get(c.parentId)
      if (siblings) siblings.push(c)
      else byParent.set(c.parentId, [c])
    }
    const found: SimCompany[] = []
    for (let queue = [id]; queue.length > 0;) {
      const children = byParent.get(queue.shift()!) ?? []
      found.push(...children)
      queue.push(...children.map((c) => c.id))
    }
    return found
  }
  const isWithin = (id: string, ancestorId: string): boolean => {
    for (let c = companies.get(id); c; c = c.parentId ? companies.get(c.parentId) : undefined)
      if (c.id === ancestorId) return true
    return false
  }
  const usage: UsageState = createUsageState({ descendantIds: (id) => descendantsOf(id).map((c) => c.id) })

  const firstEndpointOf = (companyId: string): SimEndpoint | undefined =>
    byCompany.get(companyId)?.values().next().value
  const generate = (module: string, companyId: string, opts: EmitOptions = {}): GeneratedEvent => {
    // Without an explicit endpoint, the company's first machine (a placeholder if it has none).
    const endpoint = opts.endpointId !== undefined ? endpoints.get(opts.endpointId) : firstEndpointOf(companyId)
    const movedCompany = opts.moved ? companies.get(opts.moved.companyId) : undefined
    return makeEvent(
      module,
      {
        company: company(companyId),
        endpoint,
        at: options.clock.now(),
        seq: nextSeq(),
        ...(opts.variant ? { variant: opts.variant } : {}),
        ...(opts.moved && movedCompany ? { moved: { company: movedCompany, action: opts.moved.action } } : {})
      },
      opts.overrides
    )
  }
  const emit = (module: string, companyId: string, opts: EmitOptions = {}): GeneratedEvent => {
    const event = generate(module, companyId, opts)
    for (const listener of listeners) listener({ ownerCompanyId: companyId, event })
    return event
  }

  /** Lower-cased name → company id: names are unique (createCompany, 77211-126235). */
  const names = new Map<string, string>()
  const validName = (name: string, except?: string) => {
    const trimmed = name.trim()
    if (trimmed === '' || trimmed.length > 64) throw new SimStateError('invalid', "Invalid value for 'name'", 'name')
    const holder = names.get(trimmed.toLowerCase())
    if (holder !== undefined && holder !== except)
      throw new SimStateError('conflict', 'A company with the same name already exists.', 'name')
    return trimmed
  }

  const createCompany = (input: NewCompany): SimCompany => {
    const parentId = input.parentId === undefined ? options.root.id : input.parentId
    if (parentId !== null && company(parentId, 'parentId').type !== 0)
      throw new SimStateError('invalid', "Invalid value for 'parentId'", 'parentId')
    const id = input.id ?? fakeId('company', input.name, nextSeq())
    if (companies.has(id)) throw new SimStateError('conflict', `company ${id} already exists`, 'id')
    const created: SimCompany = {
      type: 1,
      address: '',
      phone: '',
      country: 'GB',
      state: 'N/A',
      industry: 0,
      canBeManagedByAbove: true,
      enforce2FA: false,
      skip2FAPeriod: 0,
      isSuspended: false,
      licenseType: 3,
      ...input,
      id,
      name: validName(input.name),
      parentId,
      createdAt: isoSeconds(options.clock.now())
    }
    companies.set(id, created)
    names.set(created.name.toLowerCase(), id)
    return created
  }

  createCompany({ id: options.root.id, name: options.root.name, type: 0, parentId: null })

  return {
    rootId: options.root.id,
    nextSeq,
    usage,
    companies: {
      create: createCompany,
      get: (id: string) => companies.get(id),
      require: company,
      all: () => [...companies.values()],
      childrenOf,
      descendantsOf,
      isWithin,
      update(
        id: string,
        changes: Partial<
          Pick<
            SimCompany,
            'name' | 'address' | 'phone' | 'country' | 'state' | 'industry' | 'canBeManagedByAbove' | 'enforce2FA'
          >
        >
      ) {
        const target = company(id)
        const name = changes.name !== undefined ? validName(changes.name, id) : target.name
        names.delete(target.name.toLowerCase())
        Object.assign(target, changes, { name })
        names.set(name.toLowerCase(), id)
        return target
      },
      setSuspended(id: string, suspended: boolean, recursive = false) {
        const target = company(id)
        for (const c of [target, ...(recursive ? descendantsOf(id) : [])]) c.isSuspended = suspended
        return target
      },
      /** A partner that still has sub-companies cannot be deleted (77211-119563). */
      delete(id: string) {
        const target = company(id)
        if (id === options.root.id)
          throw new SimStateError('invalid', 'The API key owner company cannot be deleted.', 'companyId')
        if (childrenOf(id).length > 0)
          throw new SimStateError('conflict', 'The company has sub-companies and cannot be deleted.', 'companyId')
        companies.delete(id)
        names.delete(target.name.toLowerCase())
        for (const e of byCompany.get(id)?.values() ?? []) endpoints.delete(e.id)
        byCompany.delete(id)
        usage.remove(id)
        return target
      },
      /** Moves a company under another partner and announces it to both partners (partner-changed). */
      move(id: string, newParentId: string) {
        const target = company(id)
        const parent = company(newParentId, 'parentId')
        if (parent.type !== 0 || newParentId === id || isWithin(newParentId, id))
          throw new SimStateError('invalid', "Invalid value for 'parentId'", 'parentId')
        const oldParentId = target.parentId
        target.parentId = newParentId
        if (oldParentId) emit('partner-changed', oldParentId, { moved: { companyId: id, action: 'left' } })
        emit('partner-changed', newParentId, { moved: { companyId: id, action: 'joined' } })
        return target
      }
    },
    endpoints: {
      add(input: NewEndpoint, opts: { silent?: boolean } = {}): SimEndpoint {
        company(input.companyId)
        const n = nextSeq()
        const id = input.id ?? fakeId('endpoint', input.companyId, n)
        const name = input.name ?? `WS-${String(n).padStart(4, '0')}`
        const endpoint: SimEndpoint = {
          label: name,
          fqdn: `${name.toLowerCase()}.local`,
          ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
          macs: [fakeId('mac', id).slice(0, 12)],
          ssid: '',
          os: 'Windows 11 Pro',
          hwid: fakeId('hwid', id),
          product: 'BEST',
          isManaged: true,
          lastSeen: isoSeconds(options.clock.now()),
          ...input,
          id,
          name
        }
        const previous = endpoints.get(id)
        if (previous) unplace(previous)
        endpoints.set(id, endpoint)
        place(endpoint)
        if (!opts.silent) emit('install', endpoint.companyId, { endpointId: id })
        return endpoint
      },
      get: (id: string) => endpoints.get(id),
      all: () => [...endpoints.values()],
      ofCompany: (companyId: string) => [...(byCompany.get(companyId)?.values() ?? [])],
      remove(id: string) {
        const endpoint = endpoints.get(id)
        if (!endpoint) throw new SimStateError('not_found', "Invalid value for 'endpointId'", 'endpointId')
        emit('uninstall', endpoint.companyId, { endpointId: id })
        endpoints.delete(id)
        unplace(endpoint)
        return endpoint
      },
      move(id: string, companyId: string) {
        const endpoint = endpoints.get(id)
        if (!endpoint) throw new SimStateError('not_found', "Invalid value for 'endpointId'", 'endpointId')
        company(companyId)
        emit('endpoint-moved-out', endpoint.companyId, { endpointId: id })
        unplace(endpoint)
        endpoint.companyId = companyId
        place(endpoint)
        emit('endpoint-moved-in', companyId, { endpointId: id })
        return endpoint
      }
    },
    /** An event of `module` for a company (and endpoint), not sent anywhere. */
    generate,
    /** Generates an event and hands it to the push senders, as the tenant itself would. */
    emit,
    onEmission(listener: (emission: Emission) => void) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
  }
}
