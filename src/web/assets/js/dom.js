// Small DOM helpers. Text always goes in as text nodes (never innerHTML), so nothing the API
// returns can become markup; no style attributes either (the CSP forbids inline styles).

const properties = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'open', 'indeterminate'])

/** h('button', { type: 'button', onClick }, 'Save') → an element. Null, false and undefined children are skipped. */
export const h = (tag, props = {}, ...children) => {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2).toLowerCase(), value)
    else if (key === 'class') el.className = value
    else if (key === 'dataset') Object.assign(el.dataset, value)
    else if (properties.has(key)) el[key] = value
    else el.setAttribute(key, value === true ? '' : String(value))
  }
  append(el, children)
  return el
}

const append = (el, children) => {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue
    el.append(typeof child === 'object' ? child : String(child))
  }
}

/** Replaces an element's content. */
export const fill = (el, ...children) => {
  el.replaceChildren()
  append(el, children)
  return el
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
const dateTimeSeconds = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })

/** A <time> in the browser's locale, with the exact instant in its datetime attribute and tooltip. */
export const time = (iso, { seconds = false } = {}) => {
  if (!iso) return h('span', { class: 'muted' }, '—')
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return h('span', {}, iso)
  return h('time', { datetime: iso, title: date.toString() }, (seconds ? dateTimeSeconds : dateTime).format(date))
}

export const badge = (text, tone) => h('span', { class: `badge badge-${tone}` }, text)

export const visuallyHidden = (text) => h('span', { class: 'visually-hidden' }, text)

/** A status line (role=status): polite announcements of results. */
export const statusLine = () => h('p', { class: 'status-line', role: 'status' })

/** An error line (role=alert) for a form or an action; empty until there is something to say. */
export const errorLine = () => h('p', { class: 'form-error', role: 'alert' })

export const say = (line, text, tone) => {
  line.textContent = text ?? ''
  line.dataset.tone = tone ?? ''
}

/** A table in a scrollable region, so a narrow screen scrolls it instead of the page. */
/**
 * A data table: `caption` for screen readers, one column header per entry of `columns` (text or a
 * node, e.g. a visually hidden "Actions"), then the body or bodies.
 */
export const dataTable = (props, caption, columns, ...bodies) =>
  h(
    'table',
    props,
    h('caption', { class: 'visually-hidden' }, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((c) => h('th', { scope: 'col' }, c))
      )
    ),
    ...bodies
  )

export const tableRegion = (label, table) =>
  h('div', { class: 'table-region', role: 'region', 'aria-label': label, tabindex: '0' }, table)

export const pageHeader = (title, ...actions) =>
  h(
    'div',
    { class: 'page-header' },
    h('h1', { tabindex: '-1' }, title),
    actions.length ? h('div', { class: 'page-actions' }, actions) : null
  )

/** Runs an async action with its button disabled and relabelled, then restores it. */
export const busy = async (button, label, work) => {
  const text = button.textContent
  button.disabled = true
  button.setAttribute('aria-busy', 'true')
  button.textContent = label
  try {
    return await work()
  } finally {
    button.disabled = false
    button.removeAttribute('aria-busy')
    button.textContent = text
  }
}

/** Pretty JSON in a collapsible block. */
export const jsonDetails = (summary, value) =>
  h(
    'details',
    { class: 'json' },
    h('summary', {}, summary),
    h('pre', {}, h('code', {}, JSON.stringify(value, null, 2)))
  )

/**
 * A modal confirmation (<dialog>): resolves true when the operator confirms. The dialog returns
 * focus to the element that opened it when it closes.
 */
export const confirmDialog = ({ title, body, confirm, tone = 'danger' }) =>
  new Promise((resolve) => {
    const opener = document.activeElement
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': 'dialog-title' },
      h(
        'form',
        { method: 'dialog' },
        h('h2', { id: 'dialog-title' }, title),
        h('p', {}, body),
        h(
          'div',
          { class: 'dialog-actions' },
          h('button', { type: 'submit', value: 'cancel', class: 'button', autofocus: true }, 'Cancel'),
          h('button', { type: 'submit', value: 'confirm', class: `button button-${tone}` }, confirm)
        )
      )
    )
    dialog.addEventListener('close', () => {
      dialog.remove()
      if (opener && typeof opener.focus === 'function' && opener.isConnected) opener.focus()
      resolve(dialog.returnValue === 'confirm')
    })
    document.body.append(dialog)
    dialog.showModal()
  })

/**
 * Submits `form` through `save()`: the submit button is busy meanwhile, and the result (a message,
 * or `{ error }` for a problem found before asking the API) or the API's refusal is said beside it.
 */
export const onSubmit = (form, save) => {
  const status = statusLine()
  const error = errorLine()
  form.querySelector('.form-actions').before(error, status)
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    say(error, '')
    say(status, '')
    await busy(form.querySelector('[type=submit]'), 'Saving…', async () => {
      try {
        const result = await save(form)
        if (result?.error) say(error, result.error)
        else say(status, result)
      } catch (failure) {
        say(error, `Not saved: ${failure.message}.`)
      }
    })
  })
  return form
}
