// Mappings: the list (status, both sides, Billing and Ticketing switches), create, delete.

import { api, query } from '../api.js'
import {
  busy,
  confirmDialog,
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

/** A switch (button role=switch) that PATCHes one service of a mapping on or off. */
const serviceSwitch = (m, service, label, { status, error, onChanged }) => {
  const on = m[service].enabled
  const button = h(
    'button',
    { type: 'button', role: 'switch', class: 'switch', 'aria-checked': String(on), 'data-operate': '' },
    h('span', { class: 'switch-track', 'aria-hidden': 'true' }),
    h('span', { class: 'switch-text' }, on ? 'On' : 'Off'),
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
  return h('span', { class: 'switch-wrap' }, button)
}

const createForm = ({ onCreated }) => {
  const error = errorLine()
  const form = h(
    'form',
    { class: 'panel form-grid', 'aria-labelledby': 'new-mapping-title', novalidate: true },
    h('h2', { id: 'new-mapping-title' }, 'New mapping'),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'new-company' }, 'GravityZone company id'),
      h('input', {
        id: 'new-company',
        name: 'company',
        required: true,
        autocomplete: 'off',
        spellcheck: 'false',
        'aria-describedby': 'new-company-hint',
        class: 'input-mono'
      }),
      h('p', { class: 'hint', id: 'new-company-hint' }, "The company's id in GravityZone (24 hexadecimal characters).")
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'new-client' }, 'HaloPSA client id'),
      h('input', {
        id: 'new-client',
        name: 'client',
        type: 'number',
        min: '1',
        step: '1',
        inputmode: 'numeric',
        required: true,
        class: 'input-narrow'
      })
    ),
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
    const company = form.elements.company.value.trim()
    const client = Number(form.elements.client.value)
    if (!company) return say(error, 'Enter the GravityZone company id.')
    if (!Number.isInteger(client) || client < 1)
      return say(error, 'The HaloPSA client id must be a whole number above 0.')
    say(error, '')
    await busy(form.querySelector('[type=submit]'), 'Creating…', async () => {
      try {
        const created = await api.post('/api/mappings', {
          gravityzoneCompanyId: company,
          halopsaClientId: client,
          billing: { enabled: form.elements.billing.checked },
          ticketing: { enabled: form.elements.ticketing.checked }
        })
        form.reset()
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
  const table = h(
    'table',
    { class: 'data mappings-table stack-narrow' },
    h('caption', { class: 'visually-hidden' }, 'Mappings'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        [
          'Status',
          'GravityZone company',
          'HaloPSA client',
          'Billing',
          'Ticketing',
          h('span', { class: 'visually-hidden' }, 'Actions')
        ].map((c) => h('th', { scope: 'col' }, c))
      )
    ),
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

  fill(
    ctx.view,
    pageHeader('Mappings', newButton),
    h(
      'p',
      { class: 'lead' },
      'Each mapping links one GravityZone company to one HaloPSA client. While a mapping has a mapping event, its Billing and Ticketing services are suspended.'
    ),
    formWrap,
    status,
    error,
    filter,
    tableRegion('Mappings', table),
    empty
  )

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
        serviceSwitch(m, 'billing', 'Billing', { status, error, onChanged: load }),
        m.billing.items ? h('div', { class: 'muted small' }, 'custom items') : null
      ),
      h(
        'td',
        { 'data-label': 'Ticketing' },
        serviceSwitch(m, 'ticketing', 'Ticketing', { status, error, onChanged: load })
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
                await Promise.all([load(), ctx.counts.refresh()])
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
      const { items } = await api.get(`/api/mappings${query({ status: statusFilter })}`)
      if (!ctx.isCurrent()) return
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
              await load()
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
  await load()
  // Said once the region is on the page, so screen readers announce it.
  say(status, flash)
}
