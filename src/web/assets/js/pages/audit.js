// Audit: the latest facts, newest first, with new facts arriving live at the top.
//
// GET /api/audit only reads forwards (after a position), so "the latest N" is read as the last N
// facts of a window below the store's head (GET /ready tells the head), the window widening until
// it holds N matches or reaches the start.

import { api, query } from '../api.js'
import {
  busy,
  dataTable,
  errorLine,
  fill,
  h,
  jsonDetails,
  pageHeader,
  say,
  statusLine,
  tableRegion,
  time,
  visuallyHidden
} from '../dom.js'
import { factTypes, streamCategories } from '../catalogue.js'
import { createNames, summarise, systemFactTypes } from '../factSummary.js'
import { hashFor } from '../router.js'

const PAGE = 50
const MAX_ROWS = 1000

/** The same filter the API applies: types are a comma-separated list; a stream without a dash is a category. */
const factMatcher = ({ type, stream, excludeType }) => {
  const list = (text) =>
    text
      ? text
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
      : []
  const types = list(type)
  const excluded = new Set(list(excludeType))
  return (fact) =>
    (types.length === 0 || types.includes(fact.type)) &&
    !excluded.has(fact.type) &&
    (!stream || (stream.includes('-') ? fact.stream === stream : fact.stream.startsWith(`${stream}-`)))
}

const headPosition = async () => {
  try {
    const response = await fetch('/ready', { cache: 'no-store' })
    const body = await response.json()
    return typeof body.head === 'string' && /^\d+$/.test(body.head) ? BigInt(body.head) : null
  } catch {
    return null
  }
}

/** The last `PAGE` matching facts below `upper` (null: no bound), newest first, and whether older ones may exist. */
const latestBefore = async (filter, upper) => {
  let span = BigInt(PAGE * 2)
  for (;;) {
    const lower = upper === null || upper <= span ? 0n : upper - span
    const found = []
    let after = lower
    for (let done = false; !done;) {
      const page = await api.get(
        `/api/audit${query({ ...filter, after: after > 0n ? String(after) : undefined, limit: 1000 })}`
      )
      for (const fact of page.items) {
        if (upper !== null && BigInt(fact.position) >= upper) {
          done = true
          break
        }
        found.push(fact)
      }
      if (!page.nextCursor) done = true
      else after = BigInt(page.nextCursor)
    }
    if (found.length >= PAGE || lower === 0n)
      return { facts: found.slice(-PAGE).reverse(), older: found.length > PAGE || lower > 0n }
    span *= 8n
  }
}

/** A fact's data and metadata, pretty-printed across the page (a modal dialog), with its summary. */
const showJson = (fact, customer) => {
  const opener = document.activeElement
  const dialog = h(
    'dialog',
    { class: 'dialog dialog-wide', 'aria-labelledby': 'json-title' },
    h('h2', { id: 'json-title' }, summarise(fact, customer)),
    h(
      'p',
      { class: 'muted small' },
      `${fact.type} · stream ${fact.stream} · position ${fact.position} · `,
      time(fact.recordedAt, { seconds: true })
    ),
    jsonDetails('Data', fact.data),
    jsonDetails('Metadata', fact.metadata),
    h(
      'form',
      { method: 'dialog', class: 'dialog-actions' },
      h('button', { type: 'submit', class: 'button', autofocus: true }, 'Close')
    )
  )
  dialog.querySelector('details').open = true
  dialog.addEventListener('close', () => {
    dialog.remove()
    if (opener?.isConnected) opener.focus()
  })
  document.body.append(dialog)
  dialog.showModal()
}

export default async function auditPage(ctx) {
  const showSystem = ctx.params.system === 'shown'
  const filter = {
    type: ctx.params.type ?? '',
    stream: ctx.params.stream ?? '',
    // System facts are hidden unless asked for, or unless the filter names a type.
    excludeType: showSystem || ctx.params.type ? '' : systemFactTypes.join(',')
  }
  const matches = factMatcher(filter)
  const names = createNames()
  // Names first, so the first rows already say whom they are about.
  const namesLoaded = api
    .get('/api/mappings')
    .then((page) => page.items.forEach(names.learn))
    .catch(() => {})
  const liveLine = h('p', { class: 'live-line' })
  const arrivals = statusLine()
  const error = errorLine()
  const tbody = h('tbody')
  const table = dataTable(
    { class: 'data audit-table stack-narrow' },
    'Facts, newest first',
    ['Recorded', 'What happened', 'Customer', 'Actor', h('span', { class: 'visually-hidden' }, 'Details')],
    tbody
  )
  const empty = h(
    'p',
    { class: 'empty', hidden: true },
    filter.type || filter.stream ? 'No facts match these filters yet.' : 'No facts yet.'
  )
  const older = h('button', { type: 'button', class: 'button', hidden: true }, 'Older facts')

  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter facts' },
    h(
      'datalist',
      { id: 'fact-types' },
      factTypes.map((t) => h('option', { value: t }))
    ),
    h(
      'datalist',
      { id: 'stream-categories' },
      streamCategories.map((s) => h('option', { value: s }))
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'audit-type' }, 'Type'),
      h('input', {
        id: 'audit-type',
        name: 'type',
        list: 'fact-types',
        value: filter.type,
        autocomplete: 'off',
        spellcheck: 'false',
        placeholder: 'e.g. TicketCreated',
        'aria-describedby': 'audit-type-hint'
      }),
      h('p', { class: 'hint', id: 'audit-type-hint' }, 'One fact type, or several separated by commas.')
    ),
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'audit-stream' }, 'Stream'),
      h('input', {
        id: 'audit-stream',
        name: 'stream',
        list: 'stream-categories',
        value: filter.stream,
        autocomplete: 'off',
        spellcheck: 'false',
        placeholder: 'e.g. mappingHealth',
        'aria-describedby': 'audit-stream-hint'
      }),
      h('p', { class: 'hint', id: 'audit-stream-hint' }, 'A category (mappingHealth) or one stream (mappingHealth-…).')
    ),
    h(
      'div',
      { class: 'field field-checks' },
      h(
        'label',
        { class: 'check' },
        h('input', { type: 'checkbox', name: 'hideSystem', checked: !showSystem }),
        ' Hide system facts'
      ),
      h('p', { class: 'hint' }, 'Checkpoints, platform checks and run records.')
    ),
    h(
      'div',
      { class: 'filter-buttons' },
      h('button', { type: 'submit', class: 'button button-primary' }, 'Apply'),
      h('a', { class: 'button', href: hashFor('/audit') }, 'Clear')
    )
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    location.hash = hashFor('/audit', {
      type: form.elements.type.value.trim(),
      stream: form.elements.stream.value.trim(),
      system: form.elements.hideSystem.checked ? '' : 'shown'
    })
  })

  fill(
    ctx.view,
    pageHeader('Audit'),
    h(
      'p',
      { class: 'lead' },
      'Every webhook delivery, poll result, decision and action, as immutable facts. Newest first; new facts appear at the top as they are recorded.'
    ),
    form,
    liveLine,
    arrivals,
    error,
    tableRegion('Facts', table),
    empty,
    h('div', { class: 'list-footer' }, older)
  )

  // #region rows
  const shown = new Set()
  let oldest = null
  let newest = 0n
  let arrived = 0
  let announce = null

  const row = (f, fresh) => {
    const customer = names.of(f)
    return h(
      'tr',
      { class: fresh ? 'fresh' : undefined, dataset: { position: f.position, type: f.type } },
      h(
        'td',
        { 'data-label': 'Recorded', class: 'cell-time' },
        time(f.recordedAt, { seconds: true }),
        h('div', { class: 'muted small' }, '#', f.position)
      ),
      h(
        'td',
        { class: 'cell-summary' },
        h('div', { class: 'fact-summary' }, summarise(f, customer)),
        h('code', { class: 'fact-type small muted' }, f.type)
      ),
      h('td', { 'data-label': 'Customer' }, customer ?? h('code', { class: 'small muted', title: 'stream' }, f.stream)),
      h('td', { 'data-label': 'Actor' }, String(f.metadata?.actor ?? '')),
      h(
        'td',
        { class: 'cell-action' },
        h(
          'button',
          { type: 'button', class: 'button button-small', onClick: () => showJson(f, customer) },
          'JSON',
          visuallyHidden(` of fact #${f.position}`)
        )
      )
    )
  }

  const refreshEmpty = () => {
    empty.hidden = tbody.childElementCount > 0
    table.hidden = tbody.childElementCount === 0
  }

  /**
   * Adds new facts (any order) in position order, newest first, skipping those already shown. They
   * usually go on top; one that the tail delivers after a catch-up brought newer ones goes below those.
   */
  const addNewer = (facts, fresh) => {
    const added = facts
      .filter((f) => !shown.has(f.position))
      .sort((a, b) => (BigInt(a.position) > BigInt(b.position) ? 1 : -1))
    for (const f of added) {
      shown.add(f.position)
      const position = BigInt(f.position)
      if (position > newest) newest = position
      let before = tbody.firstElementChild
      while (before && BigInt(before.dataset.position) > position) before = before.nextElementSibling
      tbody.insertBefore(row(f, fresh), before)
    }
    if (fresh && added.length > 0) {
      // Whichever way a new fact came (the tail, or the catch-up after connecting), it is news.
      arrived += added.length
      clearTimeout(announce)
      announce = setTimeout(
        () => say(arrivals, `${arrived} new fact${arrived === 1 ? '' : 's'} since this page opened.`),
        800
      )
    }
    while (tbody.childElementCount > MAX_ROWS) {
      const last = tbody.lastElementChild
      shown.delete(last.dataset.position)
      last.remove()
      oldest = BigInt(tbody.lastElementChild.dataset.position)
      older.hidden = false
    }
    refreshEmpty()
    return added.length
  }

  const addOlder = (facts) => {
    for (const f of facts) {
      if (shown.has(f.position)) continue
      shown.add(f.position)
      tbody.append(row(f, false))
      if (BigInt(f.position) > newest) newest = BigInt(f.position)
    }
    if (facts.length > 0) oldest = BigInt(facts.at(-1).position)
    refreshEmpty()
  }
  // #endregion

  // #region live
  let loaded = false
  const early = []
  ctx.onCleanup(
    ctx.live.onFact((fact) => {
      if (!ctx.isCurrent() || !matches(fact)) return
      if (!loaded) early.push(fact)
      else addNewer([fact], true)
    })
  )
  ctx.onCleanup(() => clearTimeout(announce))

  /** After (re)connecting, read what the tail may not have delivered: everything after the newest fact shown. */
  const catchUp = async () => {
    let after = newest
    for (;;) {
      const page = await api.get(
        `/api/audit${query({ ...filter, after: after > 0n ? String(after) : undefined, limit: 1000 })}`
      )
      if (!ctx.isCurrent()) return
      addNewer(page.items, true)
      if (!page.nextCursor) return
      after = BigInt(page.nextCursor)
    }
  }

  const liveText = {
    connecting: 'Connecting to the live tail…',
    live: 'Live: new facts appear at the top.',
    reconnecting: 'The live tail dropped; reconnecting…',
    stopped: 'Not live.'
  }
  const showLive = (status) => {
    liveLine.textContent = liveText[status] ?? ''
    liveLine.dataset.status = status
  }
  showLive(ctx.live.status())
  ctx.onCleanup(
    ctx.live.onStatus((status) => {
      if (!ctx.isCurrent()) return
      showLive(status)
      if (status === 'live' && loaded) catchUp().catch(() => {})
    })
  )
  // #endregion

  older.addEventListener('click', () =>
    busy(older, 'Loading…', async () => {
      try {
        const page = await latestBefore(filter, oldest)
        addOlder(page.facts)
        older.hidden = !page.older
      } catch (failure) {
        say(error, `Older facts could not be loaded: ${failure.message}.`)
      }
    })
  )

  try {
    const [head] = await Promise.all([headPosition(), namesLoaded])
    const page = await latestBefore(filter, head === null ? null : head + 1n)
    if (!ctx.isCurrent()) return
    addOlder(page.facts)
    // Everything up to the head was looked at: a catch-up starts there, not at the start of the store.
    if (head !== null && head > newest) newest = head
    older.hidden = !page.older
    loaded = true
    addNewer(early.splice(0), true)
    if (ctx.live.status() === 'live') await catchUp()
  } catch (failure) {
    say(error, `The audit trail could not be loaded: ${failure.message}.`)
  }
}
