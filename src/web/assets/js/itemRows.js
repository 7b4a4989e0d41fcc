// An item mapping editor: rows of "usage counter → HaloPSA item id", with Add and Remove.
// Used by Configuration (global billing) and by a mapping's custom billing.

import { dataTable, h } from './dom.js'
import { usageCounters } from './catalogue.js'

let editors = 0

/** Returns { element, read() → { items } | { error }, focusFirst() }. */
export const itemRowsEditor = ({ label, items = {} }) => {
  const prefix = `items-${++editors}`
  const listId = `${prefix}-counters`
  const tbody = h('tbody')
  let rows = 0

  const addRow = (counter = '', itemId = '') => {
    const n = ++rows
    const counterInput = h('input', {
      id: `${prefix}-counter-${n}`,
      name: 'counter',
      list: listId,
      value: counter,
      autocomplete: 'off',
      spellcheck: 'false',
      placeholder: 'endpointMonthlyUsage'
    })
    const itemInput = h('input', {
      id: `${prefix}-item-${n}`,
      name: 'itemId',
      type: 'number',
      min: '1',
      step: '1',
      inputmode: 'numeric',
      value: itemId === '' ? '' : String(itemId),
      class: 'input-narrow'
    })
    const tr = h(
      'tr',
      {},
      h(
        'td',
        {},
        h('label', { class: 'visually-hidden', for: counterInput.id }, `Usage counter, row ${n}`),
        counterInput
      ),
      h('td', {}, h('label', { class: 'visually-hidden', for: itemInput.id }, `HaloPSA item id, row ${n}`), itemInput),
      h('td', { class: 'cell-action' })
    )
    const remove = h(
      'button',
      { type: 'button', class: 'button button-small', 'aria-label': `Remove row ${n}` },
      'Remove'
    )
    remove.addEventListener('click', () => {
      const next = tr.nextElementSibling ?? tr.previousElementSibling
      tr.remove()
      refreshEmpty()
      ;(next?.querySelector('input') ?? add).focus()
    })
    tr.lastElementChild.append(remove)
    tbody.append(tr)
    refreshEmpty()
    return counterInput
  }

  const empty = h('p', { class: 'muted empty-rows' }, 'No items: nothing is billed.')
  const refreshEmpty = () => {
    empty.hidden = tbody.childElementCount > 0
    table.hidden = tbody.childElementCount === 0
  }
  const table = dataTable(
    { class: 'data item-rows' },
    label,
    ['Usage counter (GravityZone)', 'HaloPSA item id', h('span', { class: 'visually-hidden' }, 'Remove')],
    tbody
  )
  const add = h('button', { type: 'button', class: 'button button-small' }, 'Add item')
  add.addEventListener('click', () => addRow().focus())

  for (const [counter, itemId] of Object.entries(items)) addRow(counter, itemId)
  refreshEmpty()

  const element = h(
    'div',
    { class: 'item-rows-editor', role: 'group', 'aria-label': label },
    h(
      'datalist',
      { id: listId },
      usageCounters.map((c) => h('option', { value: c }))
    ),
    table,
    empty,
    h('div', {}, add)
  )

  return {
    element,
    /** The rows as the API's `items` map; an error names the first row that is not valid. */
    read() {
      const result = {}
      for (const [i, tr] of [...tbody.children].entries()) {
        const counter = tr.querySelector('[name=counter]').value.trim()
        const itemText = tr.querySelector('[name=itemId]').value.trim()
        if (!counter && !itemText) continue
        if (!counter) return { error: `Row ${i + 1}: enter a usage counter.` }
        const itemId = Number(itemText)
        if (!Number.isInteger(itemId) || itemId < 1)
          return { error: `Row ${i + 1}: the HaloPSA item id must be a whole number above 0.` }
        if (counter in result) return { error: `Row ${i + 1}: ${counter} is mapped twice.` }
        result[counter] = itemId
      }
      return { items: result }
    },
    focusFirst: () => (tbody.querySelector('input') ?? add).focus()
  }
}
