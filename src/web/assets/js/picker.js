// A searchable picker for anything the API knows by id (a GravityZone company, a HaloPSA client,
// item, ticket type, status or priority): the WAI-ARIA combobox pattern with a listbox popup
// (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/). Typing asks `source(q)` for matches
// (debounced, the latest answer wins); ArrowDown/ArrowUp move through them, Enter picks, Escape
// closes the list (or, when it is closed, clears the text). Nobody types an id.

import { h } from './dom.js'

let instances = 0

/**
 * `source(q)` answers `[{ id, name, … }]`; `describe(item)` is the muted line beside a name (the id
 * by default). `onPick(item | null)` is called when the choice changes. Answers
 * `{ field, input, value(), set(item), clear() }`.
 */
export const picker = ({ label, source, hint, describe = (item) => String(item.id), onPick = () => {}, id }) => {
  const base = id ?? `picker-${++instances}`
  const listId = `${base}-list`
  const input = h('input', {
    id: base,
    type: 'text',
    role: 'combobox',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-autocomplete': 'list',
    'aria-expanded': 'false',
    'aria-controls': listId,
    ...(hint ? { 'aria-describedby': `${base}-hint` } : {})
  })
  const list = h('ul', { id: listId, role: 'listbox', class: 'picker-list', 'aria-label': label, hidden: true })
  const chosen = h('p', { class: 'picker-chosen muted small', 'aria-live': 'polite' })
  const field = h(
    'div',
    { class: 'field picker' },
    h('label', { for: base }, label),
    h('div', { class: 'picker-box' }, input, list),
    hint ? h('p', { class: 'hint', id: `${base}-hint` }, hint) : null,
    chosen
  )

  let items = []
  let active = -1
  let selected = null
  let seq = 0
  let timer

  const optionId = (i) => `${base}-option-${i}`
  const close = () => {
    list.hidden = true
    input.setAttribute('aria-expanded', 'false')
    input.removeAttribute('aria-activedescendant')
    active = -1
  }
  const highlight = (i) => {
    active = i
    for (const [n, li] of [...list.children].entries()) li.setAttribute('aria-selected', String(n === i))
    if (i >= 0 && list.children[i]) {
      input.setAttribute('aria-activedescendant', optionId(i))
      list.children[i].scrollIntoView({ block: 'nearest' })
    } else input.removeAttribute('aria-activedescendant')
  }
  const show = (found) => {
    items = found
    list.replaceChildren(
      ...(found.length === 0
        ? [h('li', { class: 'picker-empty', role: 'presentation' }, 'Nothing matches')]
        : found.map((item, i) =>
            h(
              'li',
              {
                id: optionId(i),
                role: 'option',
                'aria-selected': 'false',
                dataset: { index: String(i) },
                onMousedown: (event) => event.preventDefault(),
                onClick: () => pick(item)
              },
              h('span', { class: 'picker-name' }, item.name),
              h('span', { class: 'picker-id' }, describe(item))
            )
          ))
    )
    list.hidden = false
    input.setAttribute('aria-expanded', 'true')
    highlight(found.length > 0 ? 0 : -1)
  }
  const search = () => {
    clearTimeout(timer)
    const mine = ++seq
    timer = setTimeout(async () => {
      try {
        const found = await source(input.value.trim())
        if (mine === seq && document.activeElement === input) show(found)
      } catch (error) {
        if (mine === seq) {
          list.replaceChildren(h('li', { class: 'picker-empty', role: 'presentation' }, `Not loaded: ${error.message}`))
          list.hidden = false
        }
      }
    }, 120)
  }
  const set = (item) => {
    selected = item
    input.value = item ? item.name : ''
    chosen.textContent = item ? `Chosen: ${item.name} (${describe(item)})` : ''
  }
  function pick(item) {
    set(item)
    close()
    onPick(item)
  }

  input.addEventListener('input', () => {
    if (selected) {
      selected = null
      chosen.textContent = ''
      onPick(null)
    }
    search()
  })
  input.addEventListener('focus', search)
  input.addEventListener('blur', () => {
    clearTimeout(timer)
    seq++
    close()
  })
  input.addEventListener('keydown', (event) => {
    const open = !list.hidden
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      if (!open) return search()
      if (items.length === 0) return
      const step = event.key === 'ArrowDown' ? 1 : -1
      highlight((active + step + items.length) % items.length)
    } else if (event.key === 'Enter' && open) {
      // Enter in an open list picks; it does not submit the form.
      event.preventDefault()
      if (active >= 0 && items[active]) pick(items[active])
    } else if (event.key === 'Escape') {
      if (open) {
        event.preventDefault()
        close()
      } else if (input.value) {
        event.preventDefault()
        set(null)
        onPick(null)
      }
    }
  })

  return { field, input, value: () => selected, set, clear: () => set(null) }
}

/** A picker's source over a paged directory endpoint (`/api/platforms/…`): the first 20 names matching q. */
export const directorySource =
  (api, path, params = {}) =>
  async (q) => {
    const search = new URLSearchParams({ ...params, limit: '20', ...(q ? { q } : {}) })
    return (await api.get(`${path}?${search}`)).items
  }
