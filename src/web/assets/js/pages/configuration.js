// Configuration: the global billing item mapping, the ticketing settings and the ticket rules.

import { api } from '../api.js'
import { errorLine, fill, h, onSubmit, pageHeader, say } from '../dom.js'
import { securityModules } from '../catalogue.js'
import { itemRowsEditor } from '../itemRows.js'
import { ticketRulesForm } from './ticketRules.js'

const numberField = (id, name, label, value, { required = false, hint } = {}) =>
  h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label, required ? null : h('span', { class: 'muted' }, ' (optional)')),
    h('input', {
      id,
      name,
      type: 'number',
      min: '1',
      step: '1',
      inputmode: 'numeric',
      value: value === undefined ? '' : String(value),
      required,
      class: 'input-narrow',
      'aria-describedby': hint ? `${id}-hint` : undefined
    }),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null
  )

/** '' → undefined; a whole number above 0 → the number; anything else → NaN (refused below). */
const optionalId = (text) => (text.trim() === '' ? undefined : Number(text))
const validId = (n) => Number.isInteger(n) && n > 0

const billingForm = (config) => {
  const editor = itemRowsEditor({ label: 'Global item mapping', items: config.items })
  const form = h(
    'form',
    { class: 'panel', 'aria-labelledby': 'config-billing', novalidate: true },
    h('h2', { id: 'config-billing' }, 'Billing'),
    h(
      'p',
      { class: 'muted' },
      "Which HaloPSA item each GravityZone usage counter is billed with, for every mapping without a custom item mapping. Billing writes the monthly quantities onto the client's recurring invoice."
    ),
    editor.element,
    h(
      'div',
      { class: 'form-actions' },
      h('button', { type: 'submit', class: 'button button-primary', 'data-operate': '' }, 'Save billing')
    )
  )
  onSubmit(form, async () => {
    const read = editor.read()
    if (read.error) return read
    const saved = await api.put('/api/config/billing', { items: read.items })
    const n = Object.keys(saved.items).length
    return `Saved: ${n} usage counter${n === 1 ? '' : 's'} mapped to HaloPSA items.`
  })
  return form
}

const ticketingForm = (config) => {
  const form = h(
    'form',
    { class: 'panel', 'aria-labelledby': 'config-ticketing', novalidate: true },
    h('h2', { id: 'config-ticketing' }, 'Ticketing'),
    config.configured
      ? null
      : h(
          'p',
          { class: 'notice' },
          'Ticketing is not configured yet: no tickets are created until these settings are saved.'
        ),
    h(
      'div',
      { class: 'form-grid' },
      numberField('ticket-type', 'ticketTypeId', 'Ticket type id', config.ticketTypeId, {
        required: true,
        hint: 'The HaloPSA ticket type of new tickets.'
      }),
      numberField('ticket-priority', 'priorityId', 'Priority id', config.priorityId, {
        hint: "The ticket type's default when empty."
      }),
      numberField('ticket-status', 'statusId', 'Status id', config.statusId, {
        hint: "The ticket type's initial status when empty."
      }),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'ticket-closed-status' }, 'Closed status name'),
        h('input', {
          id: 'ticket-closed-status',
          name: 'closedStatusName',
          value: config.closedStatusName ?? 'Closed',
          required: true,
          autocomplete: 'off',
          'aria-describedby': 'ticket-closed-status-hint'
        }),
        h('p', { class: 'hint', id: 'ticket-closed-status-hint' }, 'The HaloPSA status that closes a ticket.')
      )
    ),
    h(
      'label',
      { class: 'check' },
      h('input', { type: 'checkbox', name: 'autoCloseBlocked', checked: Boolean(config.autoCloseBlocked) }),
      ' Auto-close tickets for blocked threats'
    ),
    h(
      'fieldset',
      { class: 'modules' },
      h('legend', {}, 'Security modules that create tickets'),
      h(
        'div',
        { class: 'module-grid' },
        securityModules.map((m) =>
          h(
            'label',
            { class: 'check' },
            h('input', {
              type: 'checkbox',
              name: 'modules',
              value: m.id,
              checked: (config.modules ?? []).includes(m.id)
            }),
            h('span', { class: 'check-text' }, m.label, ' ', h('code', { class: 'muted small' }, m.id))
          )
        )
      )
    ),
    h(
      'div',
      { class: 'form-actions' },
      h('button', { type: 'submit', class: 'button button-primary', 'data-operate': '' }, 'Save ticketing')
    )
  )
  onSubmit(form, async () => {
    const el = form.elements
    const ticketTypeId = optionalId(el.ticketTypeId.value)
    const priorityId = optionalId(el.priorityId.value)
    const statusId = optionalId(el.statusId.value)
    if (!validId(ticketTypeId)) return { error: 'The ticket type id must be a whole number above 0.' }
    if (priorityId !== undefined && !validId(priorityId))
      return { error: 'The priority id must be empty or a whole number above 0.' }
    if (statusId !== undefined && !validId(statusId))
      return { error: 'The status id must be empty or a whole number above 0.' }
    const closedStatusName = el.closedStatusName.value.trim()
    if (!closedStatusName) return { error: 'Enter the name of the closed status.' }
    const body = {
      ticketTypeId,
      ...(priorityId !== undefined ? { priorityId } : {}),
      ...(statusId !== undefined ? { statusId } : {}),
      closedStatusName,
      autoCloseBlocked: el.autoCloseBlocked.checked,
      modules: [...form.querySelectorAll('input[name=modules]:checked')].map((input) => input.value)
    }
    await api.put('/api/config/ticketing', body)
    form.querySelector('.notice')?.remove()
    return `Saved: tickets for ${body.modules.length} module${body.modules.length === 1 ? '' : 's'}, auto-close ${body.autoCloseBlocked ? 'on' : 'off'}.`
  })
  return form
}

export default async function configurationPage(ctx) {
  const body = h('div', { class: 'columns columns-config' })
  const error = errorLine()
  fill(
    ctx.view,
    pageHeader('Configuration'),
    h(
      'p',
      { class: 'lead' },
      'Global settings. Every change is recorded as a fact in the audit trail; a setting that names something HaloPSA does not have is refused.'
    ),
    error,
    body
  )
  try {
    const [billing, ticketing, rules] = await Promise.all(
      ['billing', 'ticketing', 'ticket-rules'].map((part) => api.get(`/api/config/${part}`))
    )
    if (!ctx.isCurrent()) return
    fill(body, billingForm(billing), ticketingForm(ticketing), ticketRulesForm(rules))
  } catch (failure) {
    say(error, `The configuration could not be loaded: ${failure.message}.`)
  }
}
