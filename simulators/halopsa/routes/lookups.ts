import type { FastifyInstance } from 'fastify'
import type { SimContext } from '../context.js'
import { registerResource, truthy, type FieldErrors } from '../resource.js'
import type { Row } from '../state.js'
import { storedEvents } from '../events.js'

/**
 * Lookups answered as bare arrays (docs/platforms/halopsa.md#statuses-ticket-types-and-priorities)
 * and webhook configuration with its delivery log (docs/platforms/halopsa.md#webhooks). Ticket-type
 * details carry `fields` shaped as Halo's RequestTypeField.
 */

const requireName =
  (key: string) =>
  (input: Row, existing: Row | undefined, at: string): FieldErrors =>
    !existing && (typeof input[key] !== 'string' || String(input[key]).trim() === '')
      ? { [`${at}.${key}`]: `${key} must be entered` }
      : {}

const MASK = '********'

const secretless = (row: Row): Row => {
  // Halo never shows a stored webhook password back.
  const { basic_password: _password, ...rest } = row
  return { ...rest, basic_password: row.basic_password ? MASK : '' }
}

export const registerLookups = (app: FastifyInstance, ctx: SimContext): void => {
  registerResource(app, ctx, {
    path: '/api/Status',
    key: null,
    scope: { area: 'tickets' },
    table: (c) => c.data.statuses,
    filter: (row, q, c) => !(truthy(q.excludeclosed) && row.id === c.data.closedStatusId),
    view: (row) => ({ ...row }),
    validate: requireName('name'),
    create: (input, id) => ({ shortname: String(input.name ?? ''), type: 0, sequence: id, ...input, id })
  })

  registerResource(app, ctx, {
    path: '/api/TicketType',
    key: null,
    scope: { area: 'tickets' },
    table: (c) => c.data.ticketTypes,
    // The list is `{id, name}`; the detail adds fields, initial status and default priority.
    view: (row, _c, _q, one) => (one ? structuredClone(row) : { id: row.id, name: row.name }),
    validate: requireName('name'),
    create: (input, id) => ({ initial_status: 1, default_priority: 3, fields: [], ...input, id })
  })

  // A list of Policy: GUID ids, the priority's number in `priorityid`, one row per SLA.
  registerResource<string>(app, ctx, {
    path: '/api/Priority',
    key: null,
    scope: { area: 'tickets' },
    table: (c) => c.data.priorities,
    parseId: (raw) => (raw.length > 0 ? raw.toLowerCase() : undefined),
    filter: (row, q) => q.slaid === undefined || String(row.slaid) === q.slaid,
    view: (row) => ({ ...row }),
    validate: requireName('name')
  })

  registerResource<string>(app, ctx, {
    path: '/api/Webhook',
    key: null,
    scope: { area: 'webhooks', admin: true },
    table: (c) => c.data.webhooks,
    parseId: (raw) => (raw.length > 0 ? raw.toLowerCase() : undefined),
    view: secretless,
    validate: (input, existing, at) => {
      const errors = requireName('url')(input, existing, at)
      if (typeof input.url === 'string' && !/^https?:\/\//.test(input.url))
        errors[`${at}.url`] = 'The payload URL must be an http(s) URL'
      if (!existing && (!Array.isArray(input.events) || input.events.length === 0))
        errors[`${at}.events`] = 'At least one event must be selected'
      return errors
    },
    // A password shown back masked and posted again is not a new password.
    update: (row, input, c) =>
      void Object.assign(
        row,
        input.basic_password === MASK ? { ...input, basic_password: row.basic_password } : input,
        { id: row.id },
        'events' in input ? { events: storedEvents(c.data, input.events, row.id as string) } : {}
      ),
    // No method or payload type is made up: Halo's codes for them are unpublished (events.ts).
    create: (input, id, c) => ({
      name: '',
      type: 0,
      content_type: 'application/json',
      authentication_type: 0,
      basic_username: '',
      basic_password: '',
      active: true,
      disabled: false,
      last_status: null,
      ...input,
      events: storedEvents(c.data, input.events, id),
      id
    })
  })

  registerResource<string>(app, ctx, {
    path: '/api/WebhookEvent',
    key: null,
    scope: { area: 'webhooks', admin: true },
    table: (c) => c.data.webhookEvents,
    parseId: (raw) => raw.toLowerCase(),
    filter: (row, q) => q.webhook_id === undefined || row.webhook_id === q.webhook_id.toLowerCase(),
    routes: { post: false, delete: false }
  })
}
