// Rows of ticket-rule conditions (modules, event types, blocked or not, severity), with a priority
// id for priority rules: the editor of Configuration › Ticket rules (pages/ticketRules.js).

import { dataTable, h, tableRegion } from './dom.js'

let rowIds = 0

const input = (label, props) => {
  const id = `rule-field-${++rowIds}`
  return h('td', {}, h('label', { class: 'visually-hidden', for: id }, label), h('input', { id, ...props }))
}

export const numberProps = (name, value, min = 1) => ({
  name,
  type: 'number',
  min: String(min),
  step: '1',
  inputmode: 'numeric',
  class: 'input-narrow',
  value: value === undefined ? '' : String(value)
})

/** Rows of conditions (modules, event types, blocked or not, severity), with a priority id when `priority`. */
export const matchRows = ({ label, noun, rows, priority, onChange }) => {
  const tbody = h('tbody')
  let n = 0
  const addRow = (rule = {}) => {
    const when = priority ? (rule.when ?? {}) : rule
    const i = ++n
    const threat = h(
      'select',
      { id: `rule-field-${++rowIds}`, name: 'blocked' },
      h('option', { value: '', selected: when.blocked === undefined }, 'any'),
      h('option', { value: 'true', selected: when.blocked === true }, 'blocked'),
      h('option', { value: 'false', selected: when.blocked === false }, 'still present')
    )
    const remove = h('button', { type: 'button', class: 'button button-small' }, 'Remove')
    const tr = h(
      'tr',
      {},
      input(`Modules, ${noun} ${i}`, {
        name: 'modules',
        value: (when.modules ?? []).join(', '),
        placeholder: 'av, hd'
      }),
      input(`Event types, ${noun} ${i}`, { name: 'eventTypes', value: (when.eventTypes ?? []).join(', ') }),
      h('td', {}, h('label', { class: 'visually-hidden', for: threat.id }, `Threat, ${noun} ${i}`), threat),
      input(`Severity from, ${noun} ${i}`, numberProps('min', when.severity?.min, 0)),
      input(`Severity to, ${noun} ${i}`, numberProps('max', when.severity?.max, 0)),
      priority ? input(`Priority id, ${noun} ${i}`, numberProps('priorityId', rule.priorityId)) : null,
      h('td', { class: 'cell-action' }, remove)
    )
    remove.setAttribute('aria-label', `Remove ${noun} ${i}`)
    remove.addEventListener('click', () => {
      tr.remove()
      onChange()
      add.focus()
    })
    tbody.append(tr)
    return tr
  }
  const add = h('button', { type: 'button', class: 'button button-small' }, `Add ${noun}`)
  add.addEventListener('click', () => {
    addRow().querySelector('input').focus()
    onChange()
  })
  for (const rule of rows) addRow(rule)
  const heads = ['Modules', 'Event types', 'Threat', 'Severity from', 'to', ...(priority ? ['Priority id'] : [])]
  const table = dataTable({ class: 'data item-rows' }, label, [...heads, ''], tbody)
  const list = (text) => {
    const items = text
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)
    return items.length ? items : undefined
  }
  const read = () => {
    const result = []
    for (const [index, tr] of [...tbody.children].entries()) {
      const field = (name) => tr.querySelector(`[name=${name}]`).value.trim()
      const where = `${label}, ${noun} ${index + 1}`
      const [min, max] = [field('min'), field('max')]
      const when = {
        ...(list(field('modules')) ? { modules: list(field('modules')) } : {}),
        ...(list(field('eventTypes')) ? { eventTypes: list(field('eventTypes')) } : {}),
        ...(field('blocked') ? { blocked: field('blocked') === 'true' } : {}),
        ...(min || max ? { severity: { min: Number(min || 0), max: Number(max || 100) } } : {})
      }
      if (!priority) {
        if (Object.keys(when).length === 0) return { error: `${where}: give at least one condition.` }
        result.push(when)
        continue
      }
      const priorityId = Number(field('priorityId'))
      if (!Number.isInteger(priorityId) || priorityId < 1)
        return { error: `${where}: the priority id must be a whole number above 0.` }
      result.push({ when, priorityId })
    }
    return { rows: result }
  }
  const element = h('div', { role: 'group', 'aria-label': label }, tableRegion(label, table), h('div', {}, add))
  return { element, read }
}
