// Mappings: the list (status, both sides, Billing and Ticketing switches), create, delete.

import { api, query } from '../api.js'
import {
  busy,
  confirmDialog,
  dataTable,
  errorLine,
  fill,
  h,
  pageHeader,
  say,
  statusLine,
  tableRegion,
  visuallyHidden
} from '../dom.js'
import { mappingStatuses } from '../catalogue.js'
import { clientName, companyName, mappingStatusBadge } from '../format.js'
import { hashFor, mappingHref, takeFlash } from '../router.js'
import { directorySource, picker } from '../picker.js'
import { suggestionsPanel } from '../suggestions.js'

export const mappingLabel = (m) => m.halopsaClientName ?? m.gravityzoneCompanyName ?? `client #${m.halopsaClientId}`

/** Deletes a mapping after a confirmation; resolves true when it was deleted. */
export const deleteMapping = async (m, { status, error }) => {
  const ok = await confirmDialog({
    title: 'Delete this mapping?',
    body: `${mappingLabel(m)}: the GravityZone company ${m.gravityzoneCompanyName ?? m.gravityzoneCompanyId} and the HaloPSA client ${m.halopsaClientName ?? `#${m.halopsaClientId}`} will no longer be linked. Billing and ticketing stop for them, and their open events close.`,
    confirm: 'Delete mapping'
  })
  if (!ok) return false
  try {
    await api.delete(`/api/mappings/${encodeURIComponent(m.id)}`)
    say(status, `Mapping ${mappingLabel(m)} deleted.`)
    return true
  } catch (failure) {
    say(error, `The mapping was not deleted: ${failure.message}.`)
    return false
  }
}

/** Why a mapping's services are suspended: the titles of its active mapping events, by mapping id. */
export const suspensionReasons = async () => {
  const { items } = await api.get('/api/events?status=active&category=mapping&limit=500')
  const reasons = new Map()
  for (const e of items) {
    const id = e.subject.mappingId
    if (id) reasons.set(id, [...(reasons.get(id) ?? []), e.title])
  }
  return new Map([...reasons].map(([id, titles]) => [id, [...new Set(titles)].join(', ')]))
}

/** "On", "Off", or, while a mapping event is active, "Suspended (GravityZone company not found)". */
export const serviceState = (m, service, reason) =>
  !m[service].enabled ? 'Off' : m.status === 'suspended' ? `Suspended (${reason || 'a mapping event is active'})` : 'On'

/**
 * A switch (button role=switch) that PATCHes one service of a mapping on or off. A service that
 * is on but suspended reads "Suspended (reason)", never a green "On".
 */
export const serviceSwitch = (m, service, label, { status, error, onChanged, reason }) => {
  const on = m[service].enabled
  const state = serviceState(m, service, reason)
  const suspended = on && m.status === 'suspended'
  const button = h(
    'button',
    {
      type: 'button',
      role: 'switch',
      class: suspended ? 'switch switch-suspended' : 'switch',
      'aria-checked': String(on),
      'data-operate': ''
    },
    h('span', { class: 'switch-track', 'aria-hidden': 'true' }),
    h('span', { class: 'switch-text' }, state),
    visuallyHidden(` ${label} for ${mappingLabel(m)}`)
  )
  button.addEventListener('click', async () => {
    const next = button.getAttribute('aria-checked') !== 'true'
    button.disabled = true
    say(error, '')
    try {
      await api.patch(`/api/mappings/${encodeURIComponent(m.id)}`, { [service]: { enabled: next } })
      say(status, `${label} ${next ? 'switched on' : 'switched off'} for ${mappingLabel(m)}.`)
      await onChanged()
    } catch (failure) {
      say(error, `${label} was not changed for ${mappingLabel(m)}: ${failure.message}.`)
    } finally {
      button.disabled = false
    }
  })
  // A read token sees the state, not a control it cannot use.
  return h('span', { class: 'switch-wrap' }, button, h('span', { class: 'switch-readonly' }, state))
}

const createForm = ({ onCreated }) => {
  const error = errorLine()
  const company = picker({
    id: 'new-company',
    label: 'GravityZone company',
    hint: 'Type part of the name; only companies no mapping uses are listed.',
    source: directorySource(api, '/api/platforms/gravityzone/companies', { unmapped: 'true' })
  })
  const client = picker({
    id: 'new-client',
    label: 'HaloPSA client',
    hint: 'Only active clients no mapping uses are listed.',
    describe: (c) => `#${c.id}`,
    source: directorySource(api, '/api/platforms/halopsa/clients', { unmapped: 'true' })
  })
  const form = h(
    'form',
    { class: 'panel form-grid', 'aria-labelledby': 'new-mapping-title', novalidate: true },
    h('h2', { id: 'new-mapping-title' }, 'New mapping'),
    company.field,
    client.field,
    h(
      'div',
      { class: 'field field-checks' },
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'billing', checked: true }), ' Billing'),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'ticketing', checked: true }), ' Ticketing')
    ),
    error,
    h(
      'div',
      { class: 'form-actions' },
      h('button', { type: 'submit', class: 'button button-primary' }, 'Create mapping')
    )
  )
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const c = company.value()
    const k = client.value()
    if (!c) return say(error, 'Pick the GravityZone company from the list.')
    if (!k) return say(error, 'Pick the HaloPSA client from the list.')
    say(error, '')
    await busy(form.querySelector('[type=submit]'), 'Creating…', async () => {
      try {
        const created = await api.post('/api/mappings', {
          gravityzoneCompanyId: c.id,
          halopsaClientId: k.id,
          billing: { enabled: form.elements.billing.checked },
          ticketing: { enabled: form.elements.ticketing.checked }
        })
        form.reset()
        company.clear()
        client.clear()
        await onCreated(created)
      } catch (failure) {
        say(error, `The mapping was not created: ${failure.message}.`)
      }
    })
  })
  return form
}

export default async function mappingsPage(ctx) {
  let statusFilter = Object.hasOwn(mappingStatuses, ctx.params.status ?? '') ? ctx.params.status : ''
  const status = statusLine()
  const error = errorLine()
  const tbody = h('tbody')
  const table = dataTable(
    { class: 'data mappings-table stack-narrow' },
    'Mappings',
    [
      'Status',
      'GravityZone company',
      'HaloPSA client',
      'Billing',
      'Ticketing',
      h('span', { class: 'visually-hidden' }, 'Actions')
    ],
    tbody
  )
  const empty = h('p', { class: 'empty', hidden: true })
  const newButton = h(
    'button',
    {
      type: 'button',
      class: 'button button-primary',
      'aria-expanded': 'false',
      'aria-controls': 'new-mapping',
      'data-operate': ''
    },
    'New mapping'
  )
  const formWrap = h('div', { id: 'new-mapping', hidden: true })
  const filter = h(
    'div',
    { class: 'filters' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'mapping-status' }, 'Status'),
      h(
        'select',
        { id: 'mapping-status' },
        h('option', { value: '' }, 'All'),
        Object.entries(mappingStatuses).map(([value, s]) =>
          h('option', { value, selected: value === statusFilter }, s.label)
        )
      )
    )
  )

  const suggestions = suggestionsPanel({ onMapped: () => load(), status, error })
  fill(
    ctx.view,
    pageHeader('Mappings', newButton),
    h(
      'p',
      { class: 'lead' },
      'Each mapping links one GravityZone company to one HaloPSA client. While a mapping has a mapping event, its Billing and Ticketing services are suspended.'
    ),
    formWrap,
    suggestions.panel,
    status,
    error,
    filter,
    tableRegion('Mappings', table),
    empty
  )

  let reasons = new Map()
  const row = (m) =>
    h(
      'tr',
      { dataset: { mappingId: m.id } },
      h(
        'td',
        {},
        mappingStatusBadge(m.status),
        m.activeEvents > 0
          ? h(
              'div',
              { class: 'small' },
              h(
                'a',
                { href: hashFor('/events', { mappingId: m.id }) },
                `${m.activeEvents} active event${m.activeEvents === 1 ? '' : 's'}`
              )
            )
          : null
      ),
      h('td', { 'data-label': 'GravityZone company' }, companyName(m)),
      h('td', { 'data-label': 'HaloPSA client' }, clientName(m)),
      h(
        'td',
        { 'data-label': 'Billing' },
        serviceSwitch(m, 'billing', 'Billing', { status, error, onChanged: load, reason: reasons.get(m.id) }),
        m.billing.items ? h('div', { class: 'muted small' }, 'custom items') : null
      ),
      h(
        'td',
        { 'data-label': 'Ticketing' },
        serviceSwitch(m, 'ticketing', 'Ticketing', { status, error, onChanged: load, reason: reasons.get(m.id) })
      ),
      h(
        'td',
        { class: 'cell-action' },
        h(
          'a',
          { class: 'button button-small', href: mappingHref(m.id) },
          'Edit',
          visuallyHidden(` ${mappingLabel(m)}`)
        ),
        ' ',
        h(
          'button',
          {
            type: 'button',
            class: 'button button-small button-danger-quiet',
            'data-operate': '',
            onClick: async () => {
              if (await deleteMapping(m, { status, error })) {
                await Promise.all([load(), suggestions.load(), ctx.counts.refresh()])
                ;(tbody.querySelector('a') ?? newButton).focus()
              }
            }
          },
          'Delete',
          visuallyHidden(` ${mappingLabel(m)}`)
        )
      )
    )

  async function load() {
    try {
      const [{ items }, suspended] = await Promise.all([
        api.get(`/api/mappings${query({ status: statusFilter })}`),
        suspensionReasons()
      ])
      if (!ctx.isCurrent()) return
      reasons = suspended
      tbody.replaceChildren(...items.map(row))
      table.hidden = items.length === 0
      empty.hidden = items.length > 0
      empty.textContent = statusFilter
        ? 'No mapping has this status.'
        : 'No mappings yet. Create one to start syncing a company with a client.'
    } catch (failure) {
      say(error, `The mappings could not be loaded: ${failure.message}.`)
    }
  }

  newButton.addEventListener('click', () => {
    const open = formWrap.hidden
    formWrap.hidden = !open
    newButton.setAttribute('aria-expanded', String(open))
    if (open) {
      if (formWrap.childElementCount === 0) {
        formWrap.append(
          createForm({
            onCreated: async (created) => {
              formWrap.hidden = true
              newButton.setAttribute('aria-expanded', 'false')
              say(status, `Mapping ${mappingLabel(created)} created.`)
              await Promise.all([load(), suggestions.load()])
              newButton.focus()
            }
          })
        )
      }
      formWrap.querySelector('input').focus()
    }
  })
  filter.querySelector('select').addEventListener('change', (event) => {
    statusFilter = event.target.value
    history.replaceState(null, '', hashFor('/mappings', { status: statusFilter }))
    void load()
  })

  const flash = takeFlash()
  await Promise.all([load(), suggestions.load()])
  // Said once the region is on the page, so screen readers announce it.
  say(status, flash)
}
