// Security events: what became of each GravityZone security event (GET /api/security-events), with
// filters, outcome badges, and a replay of the skipped or failed ones that match: a dry run counts
// them first, then a confirmation hands them to ticketing again (POST /api/security-events/replay).

import { api, query } from '../api.js'
import {
  badge,
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
  time
} from '../dom.js'
import { hashFor } from '../router.js'

const PAGE = 50

export const outcomes = {
  ticketed: { label: 'Ticketed', tone: 'ok' },
  noted: { label: 'Noted', tone: 'ok' },
  'auto-closed': { label: 'Auto-closed', tone: 'ok' },
  skipped: { label: 'Skipped', tone: 'neutral' },
  pending: { label: 'Pending', tone: 'warn' },
  failed: { label: 'Failed', tone: 'danger' }
}

const field = (id, label, control) => h('div', { class: 'field' }, h('label', { for: id }, label), control)

const outcomeDetail = (e) => {
  if (e.outcome === 'skipped') return e.reason ?? ''
  if (e.failure) return e.failure.message
  if (e.ticketId !== undefined) return `ticket ${e.ticketId}`
  return ''
}

const row = (e) =>
  h(
    'tr',
    { 'data-key': e.key },
    h('td', {}, time(e.receivedAt)),
    h('td', {}, e.companyName ?? e.companyId ?? h('span', { class: 'muted' }, 'no company')),
    h('td', {}, h('code', {}, e.module)),
    h('td', {}, e.threatName ?? '', e.endpointName ? h('span', { class: 'muted' }, ` on ${e.endpointName}`) : null),
    h('td', {}, badge(outcomes[e.outcome]?.label ?? e.outcome, outcomes[e.outcome]?.tone ?? 'neutral')),
    h('td', {}, outcomeDetail(e), e.replays > 0 ? h('span', { class: 'muted' }, ` (replayed ${e.replays}×)`) : null)
  )

export default async function securityEventsPage(ctx) {
  const filter = {
    outcome: ctx.params.outcome ?? '',
    company: ctx.params.company ?? '',
    module: ctx.params.module ?? '',
    since: ctx.params.since ?? ''
  }
  const tbody = h('tbody')
  const table = dataTable(
    { class: 'data security-events-table stack-narrow' },
    'Security events, newest first',
    ['Received', 'Company', 'Module', 'Threat', 'Outcome', 'Details'],
    tbody
  )
  const summary = h('ul', { class: 'stat-cards', 'aria-label': 'Security events by outcome' })
  const empty = h('p', { class: 'empty', hidden: true }, 'No security events match these filters.')
  const more = h('button', { type: 'button', class: 'button', hidden: true }, 'More security events')
  const listError = errorLine()
  const replayButton = h(
    'button',
    { type: 'button', class: 'button button-primary', 'data-operate': '', id: 'replay' },
    'Replay skipped and failed…'
  )
  const replayStatus = statusLine()
  const replayError = errorLine()

  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter security events' },
    field(
      'se-outcome',
      'Outcome',
      h(
        'select',
        { id: 'se-outcome', name: 'outcome' },
        h('option', { value: '' }, 'All outcomes'),
        Object.entries(outcomes).map(([value, o]) =>
          h('option', { value, selected: value === filter.outcome }, o.label)
        )
      )
    ),
    field(
      'se-company',
      'Company id',
      h('input', { id: 'se-company', name: 'company', value: filter.company, autocomplete: 'off' })
    ),
    field(
      'se-module',
      'Module',
      h('input', { id: 'se-module', name: 'module', value: filter.module, autocomplete: 'off' })
    ),
    field('se-since', 'Since', h('input', { id: 'se-since', name: 'since', type: 'date', value: filter.since }))
  )

  fill(
    ctx.view,
    pageHeader('Security events', replayButton),
    h(
      'p',
      { class: 'lead' },
      'What became of every security event GravityZone sent: a ticket, a note, skipped (and why), pending or failed. ',
      'Once the cause is fixed (a mapping created, ticketing switched on), replay hands the skipped and failed ones to ticketing again; an event is never ticketed twice.'
    ),
    summary,
    replayStatus,
    replayError,
    form,
    listError,
    tableRegion('Security events', table),
    empty,
    h('div', { class: 'list-footer' }, more)
  )

  const apiFilter = () => Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== ''))

  let cursor = null
  const load = async (append) => {
    say(listError, '')
    try {
      const page = await api.get(
        `/api/security-events${query({ ...apiFilter(), limit: PAGE, cursor: append ? cursor : undefined })}`
      )
      if (!ctx.isCurrent()) return
      if (append) tbody.append(...page.items.map(row))
      else fill(tbody, page.items.map(row))
      cursor = page.nextCursor
      more.hidden = cursor === null
      empty.hidden = tbody.childElementCount > 0
    } catch (error) {
      say(listError, `Security events could not be loaded: ${error.message}.`)
    }
  }
  const loadSummary = async () => {
    const s = await api.get(`/api/security-events/summary${query({ since: filter.since || undefined })}`)
    if (!ctx.isCurrent()) return
    fill(
      summary,
      Object.entries(outcomes).map(([id, o]) =>
        h(
          'li',
          { class: `stat-card${filter.outcome === id ? ' stat-card-current' : ''}` },
          h(
            'a',
            { href: hashFor('/security-events', { ...filter, outcome: id }) },
            h('span', { class: 'stat-value', 'data-outcome': id }, String(s.byOutcome[id] ?? 0)),
            h('span', { class: 'stat-label' }, o.label)
          )
        )
      )
    )
  }

  form.addEventListener('change', (event) => {
    filter[event.target.name] = event.target.value
    location.hash = hashFor('/security-events', filter)
  })
  more.addEventListener('click', () => busy(more, 'Loading…', () => load(true)))

  replayButton.addEventListener('click', () =>
    busy(replayButton, 'Counting…', async () => {
      say(replayStatus, '')
      say(replayError, '')
      try {
        const body = apiFilter()
        if (body.outcome && body.outcome !== 'skipped' && body.outcome !== 'failed') {
          say(replayError, 'Only skipped or failed events are replayed: choose one of those outcomes, or all.')
          return
        }
        const dry = await api.post('/api/security-events/replay', { ...body, dryRun: true })
        if (dry.matched === 0) {
          say(
            replayStatus,
            dry.complete === false
              ? 'No skipped or failed security events match among the newest events read: narrow the dates (since, until) to reach older ones.'
              : 'No skipped or failed security events match these filters: nothing to replay.'
          )
          return
        }
        const handed = Math.min(dry.matched, dry.cap)
        const ok = await confirmDialog({
          title: 'Replay security events?',
          body: `${dry.complete === false ? 'At least ' : ''}${dry.matched} skipped or failed security event${dry.matched === 1 ? '' : 's'} match. ${handed} will be handed to ticketing again${handed < dry.matched ? ` (at most ${dry.cap} at a time; replay again for the rest)` : ''}. Events that have a ticket are never ticketed twice.`,
          confirm: `Replay ${handed}`,
          tone: 'primary'
        })
        if (!ok) {
          say(replayStatus, 'Nothing replayed.')
          return
        }
        const done = await api.post('/api/security-events/replay', { ...body, dryRun: false, limit: dry.cap })
        say(
          replayStatus,
          `Replayed ${done.replayed} security event${done.replayed === 1 ? '' : 's'}${done.refused ? `; ${done.refused} refused (handled meanwhile)` : ''}. Their outcomes update as ticketing handles them.`
        )
        setTimeout(() => ctx.isCurrent() && (void load(false), void loadSummary()), 800)
      } catch (error) {
        say(replayError, `Not replayed: ${error.message}.`)
      }
    })
  )

  await Promise.all([load(false), loadSummary()])
}
