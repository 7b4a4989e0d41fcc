// One mapping: its two sides, Billing (global or custom item mapping, Generate Recurring Invoice),
// Ticketing, and Delete.

import { api } from '../api.js'
import { busy, confirmDialog, errorLine, fill, h, onSubmit, say, statusLine, time } from '../dom.js'
import { itemRowsEditor } from '../itemRows.js'
import { clientName, companyName, mappingStatusBadge } from '../format.js'
import { flashNext, hashFor } from '../router.js'
import { deleteMapping, mappingLabel } from './mappings.js'
import { mountAssetsTab } from './mappingAssets.js'

const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)

/** A form section saved by `save(form)`, which returns the message to show. */
const section = (id, title, fields, submitLabel, save) =>
  onSubmit(
    h(
      'form',
      { class: 'panel', 'aria-labelledby': id, novalidate: true },
      h('h2', { id }, title),
      fields,
      h(
        'div',
        { class: 'form-actions' },
        h('button', { type: 'submit', class: 'button button-primary', 'data-operate': '' }, submitLabel)
      )
    ),
    save
  )

export default async function mappingPage(ctx) {
  const heading = h('h1', { tabindex: '-1' }, 'Mapping')
  const body = h('div')
  fill(
    ctx.view,
    h('p', { class: 'back' }, h('a', { href: hashFor('/mappings') }, '← All mappings')),
    h('div', { class: 'page-header' }, heading),
    body
  )

  let mapping
  try {
    mapping = await api.get(`/api/mappings/${encodeURIComponent(ctx.id)}`)
  } catch (failure) {
    if (!ctx.isCurrent()) return
    heading.textContent = failure.status === 404 ? 'Mapping not found' : 'Mapping'
    fill(
      body,
      h(
        'p',
        { class: 'form-error', role: 'alert' },
        failure.status === 404
          ? 'No mapping has this id; it may have been deleted or resolved.'
          : `The mapping could not be loaded: ${failure.message}.`
      )
    )
    return
  }
  if (!ctx.isCurrent()) return
  const patch = async (changes) => {
    mapping = await api.patch(`/api/mappings/${encodeURIComponent(mapping.id)}`, changes)
    renderSummary()
    void ctx.counts.refresh()
  }

  // #region summary
  const summary = h('section', { class: 'panel', 'aria-labelledby': 'mapping-summary' })
  const renderSummary = () => {
    heading.textContent = mappingLabel(mapping)
    document.title = `${mappingLabel(mapping)} · gz-halo-relay`
    const dd = (term, ...value) => [h('dt', {}, term), h('dd', {}, value)]
    fill(
      summary,
      h('h2', { id: 'mapping-summary' }, 'Summary'),
      h(
        'dl',
        { class: 'facts-list' },
        dd(
          'Status',
          mappingStatusBadge(mapping.status),
          mapping.activeEvents > 0
            ? [
                ' ',
                h(
                  'a',
                  { href: hashFor('/events', { mappingId: mapping.id }) },
                  `${mapping.activeEvents} active event${mapping.activeEvents === 1 ? '' : 's'}`
                )
              ]
            : null
        ),
        dd('GravityZone company', companyName(mapping)),
        dd('HaloPSA client', clientName(mapping)),
        dd(
          'Recurring invoice',
          mapping.billing.recurringInvoiceId !== undefined ? `#${mapping.billing.recurringInvoiceId}` : 'none linked'
        ),
        dd('Last billed month', mapping.lastBilledMonth ?? 'not billed yet'),
        dd('Tickets created', String(mapping.ticketsCreated)),
        dd('Created', time(mapping.createdAt)),
        dd('Updated', time(mapping.updatedAt))
      )
    )
  }
  renderSummary()
  // #endregion

  // #region mapped to (another company or client; how that closes events: docs/integration-events.md)
  const sides = section(
    'mapping-sides',
    'Mapped to',
    [
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'edit-company' }, 'GravityZone company id'),
        h('input', {
          id: 'edit-company',
          name: 'company',
          value: mapping.gravityzoneCompanyId,
          class: 'input-mono',
          autocomplete: 'off',
          spellcheck: 'false'
        })
      ),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'edit-client' }, 'HaloPSA client id'),
        h('input', {
          id: 'edit-client',
          name: 'client',
          type: 'number',
          min: '1',
          step: '1',
          value: String(mapping.halopsaClientId),
          class: 'input-narrow'
        })
      )
    ],
    'Save sides',
    async (form) => {
      const company = form.elements.company.value.trim()
      const client = Number(form.elements.client.value)
      if (!company) return { error: 'Enter the GravityZone company id.' }
      if (!Number.isInteger(client) || client < 1)
        return { error: 'The HaloPSA client id must be a whole number above 0.' }
      const changes = {}
      if (company !== mapping.gravityzoneCompanyId) changes.gravityzoneCompanyId = company
      if (client !== mapping.halopsaClientId) changes.halopsaClientId = client
      if (Object.keys(changes).length === 0) return 'Nothing to save: both sides are unchanged.'
      await patch(changes)
      return 'Saved: the mapping now links these two.'
    }
  )
  // #endregion

  // #region billing
  const custom = mapping.billing.items !== undefined
  const editor = itemRowsEditor({ label: 'Custom item mapping', items: mapping.billing.items ?? {} })
  const customWrap = h('div', { class: 'custom-items', hidden: !custom }, editor.element)
  const invoiceStatus = statusLine()
  const invoiceError = errorLine()
  const invoiceButton = h(
    'button',
    { type: 'button', class: 'button', 'data-operate': '' },
    'Generate Recurring Invoice'
  )
  const billing = section(
    'mapping-billing',
    'Billing',
    [
      h(
        'label',
        { class: 'check' },
        h('input', { type: 'checkbox', name: 'enabled', checked: mapping.billing.enabled }),
        ' Billing enabled'
      ),
      h(
        'fieldset',
        { class: 'radios' },
        h('legend', {}, 'Item mapping'),
        h(
          'label',
          { class: 'check' },
          h('input', { type: 'radio', name: 'itemMapping', value: 'global', checked: !custom }),
          ' Global (Configuration › Billing)'
        ),
        h(
          'label',
          { class: 'check' },
          h('input', { type: 'radio', name: 'itemMapping', value: 'custom', checked: custom }),
          ' Custom for this mapping'
        )
      ),
      customWrap
    ],
    'Save billing',
    async (form) => {
      const enabled = form.elements.enabled.checked
      const useCustom = form.elements.itemMapping.value === 'custom'
      const read = useCustom ? editor.read() : { items: undefined }
      if (read.error) return { error: read.error }
      if (enabled === mapping.billing.enabled && same(read.items, mapping.billing.items))
        return 'Nothing to save: billing is unchanged.'
      // items: null switches custom billing off, back to the global item mapping.
      await patch({ billing: { enabled, items: useCustom ? read.items : null } })
      return `Saved: billing is ${enabled ? 'on' : 'off'}, with the ${useCustom ? 'custom' : 'global'} item mapping.`
    }
  )
  billing.addEventListener('change', (event) => {
    if (event.target.name === 'itemMapping') customWrap.hidden = event.target.value !== 'custom'
  })
  billing.append(
    h(
      'div',
      { class: 'subsection' },
      h('h3', {}, 'Recurring invoice'),
      h(
        'p',
        { class: 'muted' },
        'Creates the HaloPSA recurring invoice this mapping bills to (the recommended action for "Recurring invoice missing").'
      ),
      invoiceButton,
      invoiceStatus,
      invoiceError
    )
  )
  invoiceButton.addEventListener('click', async () => {
    // Generate is only for a missing invoice (the relay answers 409 invoice_exists otherwise): say so first.
    const linked = mapping.billing.recurringInvoiceId
    const confirmed = await confirmDialog({
      title: 'Generate a recurring invoice?',
      body:
        linked === undefined
          ? `The relay creates a recurring invoice named after ${mappingLabel(mapping)} in HaloPSA and bills this mapping to it.`
          : `The relay creates a new recurring invoice in HaloPSA only if invoice #${linked} no longer exists there; while it exists, nothing is created.`,
      confirm: 'Generate',
      tone: 'primary'
    })
    if (!confirmed) return
    await busy(invoiceButton, 'Generating…', async () => {
      say(invoiceError, '')
      say(invoiceStatus, '')
      try {
        mapping = await api.post(`/api/mappings/${encodeURIComponent(mapping.id)}/recurring-invoice`)
        renderSummary()
        void ctx.counts.refresh()
        say(
          invoiceStatus,
          `Recurring invoice #${mapping.billing.recurringInvoiceId} generated in HaloPSA for ${mappingLabel(mapping)}.`
        )
      } catch (failure) {
        say(invoiceError, `No recurring invoice was generated: ${failure.message}.`)
      }
    })
  })
  // #endregion

  // #region ticketing
  const ticketing = section(
    'mapping-ticketing',
    'Ticketing',
    [
      h(
        'label',
        { class: 'check' },
        h('input', { type: 'checkbox', name: 'enabled', checked: mapping.ticketing.enabled }),
        ' Ticketing enabled: security events of this company become tickets for this client'
      )
    ],
    'Save ticketing',
    async (form) => {
      const enabled = form.elements.enabled.checked
      if (enabled === mapping.ticketing.enabled) return 'Nothing to save: ticketing is unchanged.'
      await patch({ ticketing: { enabled } })
      return `Saved: ticketing is ${enabled ? 'on' : 'off'}.`
    }
  )
  // #endregion

  const deleteStatus = statusLine()
  const deleteError = errorLine()
  const deleteButton = h(
    'button',
    { type: 'button', class: 'button button-danger', 'data-operate': '' },
    'Delete mapping'
  )
  deleteButton.addEventListener('click', async () => {
    if (await deleteMapping(mapping, { status: deleteStatus, error: deleteError })) {
      void ctx.counts.refresh()
      flashNext(deleteStatus.textContent)
      location.hash = hashFor('/mappings')
    }
  })

  fill(
    body,
    summary,
    h('div', { class: 'columns' }, billing, h('div', {}, ticketing, sides)),
    h(
      'section',
      { class: 'panel panel-danger', 'aria-labelledby': 'mapping-delete' },
      h('h2', { id: 'mapping-delete' }, 'Delete'),
      h(
        'p',
        {},
        'Deleting the mapping stops billing and ticketing for this company and client and closes their open events. Both sides become available for other mappings.'
      ),
      deleteButton,
      deleteStatus,
      deleteError
    )
  )
  mountAssetsTab(ctx, body, mapping)
}
