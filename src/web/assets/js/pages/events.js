// Events: counts per category, the filterable list with "More", and "Recheck events".

import { api, followJob, query } from '../api.js'
import {
  badge,
  busy,
  dataTable,
  errorLine,
  fill,
  h,
  pageHeader,
  say,
  statusLine,
  tableRegion,
  time,
  visuallyHidden
} from '../dom.js'
import { categories, eventTypes } from '../catalogue.js'
import { eventStatusBadge, categoryLabel, jobRunText, subjectCell, subjectText } from '../format.js'
import { eventHref, hashFor } from '../router.js'

const PAGE_SIZE = 25

const select = (id, label, options, value) =>
  h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    h(
      'select',
      { id, name: id.replace('filter-', '') },
      options.map((o) =>
        o.group
          ? h(
              'optgroup',
              { label: o.group },
              o.options.map((x) => h('option', { value: x.value, selected: x.value === value }, x.label))
            )
          : h('option', { value: o.value, selected: o.value === value }, o.label)
      )
    )
  )

const typeOptions = [
  { value: '', label: 'All types' },
  ...categories.map((c) => ({
    group: c.label,
    options: eventTypes.filter((t) => t.category === c.id).map((t) => ({ value: t.id, label: t.title }))
  }))
]

const outcomeBadge = {
  closed: badge('Closed', 'ok'),
  'still-active': badge('Still active', 'warn'),
  failed: badge('Failed', 'danger')
}

export default async function eventsPage(ctx) {
  const filter = {
    status: ['active', 'closed', 'all'].includes(ctx.params.status) ? ctx.params.status : 'active',
    category: ctx.params.category ?? '',
    type: ctx.params.type ?? '',
    mappingId: ctx.params.mappingId ?? ''
  }
  const recheckAll = h(
    'button',
    { type: 'button', class: 'button button-primary', 'data-operate': '' },
    'Recheck events'
  )
  const checkNow = h('button', { type: 'button', class: 'button', 'data-operate': '' }, 'Check now')
  const summary = h('ul', { class: 'stat-cards', 'aria-label': 'Active events by category' })
  const recheckStatus = statusLine()
  const recheckError = errorLine()
  const recheckResults = h('div', { class: 'recheck-results' })
  const changed = h('div', { class: 'notice', role: 'status' })
  const tbody = h('tbody')
  const table = dataTable(
    { class: 'data events-table stack-narrow' },
    'Integration events',
    ['Event', 'Subject', 'Raised', 'Status', h('span', { class: 'visually-hidden' }, 'Actions')],
    tbody
  )
  const empty = h('p', { class: 'empty', hidden: true })
  const more = h('button', { type: 'button', class: 'button', hidden: true }, 'More events')
  const listError = errorLine()
  const listStatus = statusLine()

  // The chip names the customer: the mapping's names, or (a deleted mapping) its events' subject.
  const mappingChipName = h('strong', {}, filter.mappingId ? 'this mapping' : '')
  if (filter.mappingId) {
    const named = (m) => m.halopsaClientName ?? m.gravityzoneCompanyName
    api
      .get(`/api/mappings/${encodeURIComponent(filter.mappingId)}`)
      .then((m) => named(m))
      .catch(() =>
        api
          .get(`/api/events${query({ status: 'all', mappingId: filter.mappingId, limit: 1 })}`)
          .then((page) => page.items[0] && named(page.items[0].subject))
      )
      .then((name) => {
        if (name) mappingChipName.textContent = name
      })
      .catch(() => {})
  }
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter events' },
    select(
      'filter-category',
      'Category',
      [{ value: '', label: 'All categories' }, ...categories.map((c) => ({ value: c.id, label: c.label }))],
      filter.category
    ),
    select('filter-type', 'Type', typeOptions, filter.type),
    select(
      'filter-status',
      'Status',
      [
        { value: 'active', label: 'Active' },
        { value: 'closed', label: 'Closed' },
        { value: 'all', label: 'All' }
      ],
      filter.status
    ),
    filter.mappingId
      ? h(
          'p',
          { class: 'filter-chip' },
          'Mapping ',
          mappingChipName,
          ' ',
          h('a', { href: hashFor('/events', { ...filter, mappingId: '' }) }, 'show all mappings')
        )
      : null
  )

  fill(
    ctx.view,
    pageHeader('Events', checkNow, recheckAll),
    h(
      'p',
      { class: 'lead' },
      'Discrepancies between GravityZone and HaloPSA that need a person. ',
      h('strong', {}, 'Recheck events'),
      ' rechecks every active event that supports it; ',
      h('strong', {}, 'Check now'),
      ' runs the checks of both platforms that otherwise run on a schedule.'
    ),
    summary,
    recheckStatus,
    recheckError,
    recheckResults,
    form,
    changed,
    listError,
    tableRegion('Integration events', table),
    empty,
    h('div', { class: 'list-footer' }, more, listStatus)
  )

  // #region counts per category
  const renderSummary = (c) => {
    const card = (label, value, href, current) =>
      h(
        'li',
        { class: `stat-card${current ? ' stat-card-current' : ''}` },
        h(
          'a',
          { href, 'aria-current': current ? 'true' : undefined },
          h('span', { class: 'stat-value' }, String(value)),
          h('span', { class: 'stat-label' }, label)
        )
      )
    fill(
      summary,
      card(
        'Active events',
        c.active,
        hashFor('/events', { status: 'active' }),
        filter.status === 'active' && !filter.category && !filter.type
      ),
      categories.map((cat) =>
        card(
          cat.label,
          c.byCategory[cat.id] ?? 0,
          hashFor('/events', { status: 'active', category: cat.id }),
          filter.status === 'active' && filter.category === cat.id && !filter.type
        )
      )
    )
  }
  let seenCounts = null
  let loading = 0
  const onCounts = (c) => {
    if (!ctx.isCurrent()) return
    renderSummary(c)
    const key = JSON.stringify(c)
    // An empty list is redrawn (nothing to lose, and "in sync" may no longer be true); a list is not
    // redrawn under the operator's eyes (focus and reading place would be lost): say it changed.
    if (loading === 0 && seenCounts !== null && key !== seenCounts && tbody.childElementCount === 0) void reload()
    else if (loading === 0 && seenCounts !== null && key !== seenCounts && changed.childElementCount === 0) {
      fill(
        changed,
        'Events changed since this list was loaded. ',
        h('button', { type: 'button', class: 'button button-small', onClick: () => reload() }, 'Refresh list')
      )
    }
    seenCounts = key
  }
  ctx.onCleanup(ctx.counts.subscribe(onCounts))
  // #endregion

  // #region the list
  let cursor = null
  const row = (e) =>
    h(
      'tr',
      { dataset: { eventId: e.id } },
      h(
        'td',
        {},
        h('div', { class: 'event-title' }, e.title),
        h('div', { class: 'event-summary small' }, e.summary),
        h('div', { class: 'muted small' }, categoryLabel(e.category))
      ),
      h('td', { 'data-label': 'Subject' }, subjectCell(e.subject)),
      h('td', { 'data-label': 'Raised' }, time(e.raisedAt)),
      h(
        'td',
        { 'data-label': 'Status' },
        eventStatusBadge(e.status),
        e.status === 'closed' ? h('div', { class: 'muted small' }, time(e.closedAt)) : null
      ),
      h(
        'td',
        { class: 'cell-action' },
        h(
          'a',
          { class: 'button button-small', href: eventHref(e.id) },
          'View event',
          visuallyHidden(`: ${e.title}, ${subjectText(e.subject)}`)
        )
      )
    )

  const load = async (append) => {
    const page = await api.get(
      `/api/events${query({ ...filter, limit: PAGE_SIZE, cursor: append ? cursor : undefined })}`
    )
    if (!ctx.isCurrent()) return
    if (!append) tbody.replaceChildren()
    tbody.append(...page.items.map(row))
    cursor = page.nextCursor
    more.hidden = cursor === null
    const none = tbody.childElementCount === 0
    table.hidden = none
    empty.hidden = !none
    empty.textContent =
      filter.status === 'active' && !filter.category && !filter.type && !filter.mappingId
        ? 'No active events: GravityZone and HaloPSA are in sync.'
        : 'No events match these filters.'
    say(listStatus, append ? `${page.items.length} more events shown.` : '')
  }

  const reload = async () => {
    changed.replaceChildren()
    say(listError, '')
    loading++
    try {
      await load(false)
    } catch (error) {
      say(listError, `The events could not be loaded: ${error.message}.`)
    } finally {
      loading--
      seenCounts = ctx.counts.current() ? JSON.stringify(ctx.counts.current()) : null
    }
  }

  form.addEventListener('change', (event) => {
    const field = event.target.name
    filter[field] = event.target.value
    // A type belongs to one category: picking one clears a category that does not match.
    if (field === 'type' && filter.type) {
      const type = eventTypes.find((t) => t.id === filter.type)
      if (filter.category && type && type.category !== filter.category) {
        filter.category = ''
        form.elements.category.value = ''
      }
    }
    if (
      field === 'category' &&
      filter.type &&
      eventTypes.find((t) => t.id === filter.type)?.category !== filter.category &&
      filter.category
    ) {
      filter.type = ''
      form.elements.type.value = ''
    }
    // Keep the filters in the address without re-rendering the page (focus stays on the control).
    history.replaceState(null, '', hashFor('/events', filter))
    if (ctx.counts.current()) renderSummary(ctx.counts.current())
    void reload()
  })
  form.addEventListener('submit', (event) => event.preventDefault())

  more.addEventListener('click', () =>
    busy(more, 'Loading…', async () => {
      try {
        await load(true)
      } catch (error) {
        say(listError, `More events could not be loaded: ${error.message}.`)
      }
    })
  )
  // #endregion

  // #region Recheck events
  recheckAll.addEventListener('click', () =>
    busy(recheckAll, 'Rechecking…', async () => {
      say(recheckError, '')
      say(recheckStatus, 'Rechecking every active event that supports Recheck…')
      recheckResults.replaceChildren()
      try {
        // The results name events by id: their customers come from the list of active events.
        const active = await api.get('/api/events?status=active&limit=500').catch(() => ({ items: [] }))
        const subjects = new Map(active.items.map((e) => [e.id, e.subject]))
        const { results } = await api.post('/api/events/recheck')
        const tally = (o) => results.filter((r) => r.outcome === o).length
        say(
          recheckStatus,
          results.length === 0
            ? 'Recheck events: no active event supports Recheck.'
            : `Recheck events: ${results.length} rechecked — ${tally('closed')} closed, ${tally('still-active')} still active, ${tally('failed')} failed.`
        )
        if (results.length > 0) {
          fill(
            recheckResults,
            h(
              'ul',
              { class: 'result-list', 'aria-label': 'Recheck results' },
              results.map((r) =>
                h(
                  'li',
                  {},
                  outcomeBadge[r.outcome]?.cloneNode(true) ?? badge(r.outcome, 'neutral'),
                  ' ',
                  h(
                    'a',
                    { href: eventHref(r.eventId) },
                    subjects.has(r.eventId) ? subjectText(subjects.get(r.eventId)) : 'An event'
                  ),
                  h('span', { class: 'muted' }, ` (${eventTypes.find((t) => t.id === r.type)?.title ?? r.type})`),
                  r.message ? h('span', { class: 'muted' }, ` — ${r.message}`) : null
                )
              )
            )
          )
        }
        await ctx.counts.refresh()
        await reload()
      } catch (error) {
        say(recheckStatus, '')
        say(recheckError, `Recheck events was refused: ${error.message}.`)
      }
    })
  )
  // #endregion

  // #region Check now: POST /api/sync/run answers within its wait; a longer run is followed by its id
  checkNow.addEventListener('click', () =>
    busy(checkNow, 'Checking…', async () => {
      say(recheckError, '')
      recheckResults.replaceChildren()
      say(recheckStatus, 'Checking both platforms…')
      try {
        const started = await api.post('/api/sync/run?wait=10').catch((error) => {
          // Already running (the schedule, or another tab): follow that run.
          if (error.code === 'job_running' && error.details?.runId)
            return { runId: error.details.runId, status: 'running' }
          throw error
        })
        const run =
          started.status === 'running'
            ? await followJob(started.runId, ctx.isCurrent)
            : { status: started.status, result: started, errors: started.errors?.length ? started.errors : undefined }
        say(recheckStatus, jobRunText(run))
        await ctx.counts.refresh()
        if (ctx.isCurrent()) await reload()
      } catch (error) {
        say(recheckStatus, '')
        say(recheckError, `Check now was refused: ${error.message}.`)
      }
    })
  )
  // #endregion

  if (ctx.counts.current()) onCounts(ctx.counts.current())
  await Promise.all([reload(), ctx.counts.refresh()])
}
