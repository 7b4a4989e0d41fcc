// One integration event: what it says, what it is about, the facts behind it, and its actions.

import { api, session } from '../api.js'
import { busy, confirmDialog, errorLine, fill, h, jsonDetails, say, statusLine, time } from '../dom.js'
import { actionBusyLabels, actionLabels, platformLabels } from '../catalogue.js'
import { categoryLabel, clientName, companyName, eventStatusBadge, subjectText } from '../format.js'
import { causeRows, closedText, recommendedControls } from '../eventCause.js'
import { hashFor, mappingHref } from '../router.js'

const row = (term, ...value) => [h('dt', {}, term), h('dd', {}, value)]

const subjectList = (s, mappingExists) =>
  h(
    'dl',
    { class: 'facts-list' },
    s.gravityzoneCompanyId !== undefined ? row('GravityZone company', companyName(s)) : null,
    s.halopsaClientId !== undefined ? row('HaloPSA client', clientName(s)) : null,
    s.itemId !== undefined
      ? row('HaloPSA item', `#${s.itemId}`, s.mappingId ? ' (custom billing of this mapping)' : ' (global billing)')
      : null,
    s.ticketId !== undefined ? row('HaloPSA ticket', `#${s.ticketId}`) : null,
    s.platform !== undefined ? row('Platform', platformLabels[s.platform] ?? s.platform) : null,
    s.mappingId !== undefined
      ? row(
          'Mapping',
          mappingExists ? h('a', { href: mappingHref(s.mappingId) }, 'Open the mapping') : 'deleted',
          ' ',
          h('code', { class: 'id' }, s.mappingId)
        )
      : null,
    s.gravityzoneCompanyId === undefined &&
      s.halopsaClientId === undefined &&
      s.itemId === undefined &&
      s.platform === undefined
      ? row('Scope', 'Global configuration')
      : null
  )

const factItem = (f) =>
  h(
    'li',
    { class: 'fact' },
    h(
      'div',
      { class: 'fact-head' },
      h('span', { class: 'fact-type' }, f.type),
      time(f.recordedAt, { seconds: true }),
      h('span', { class: 'fact-actor' }, 'by ', h('strong', {}, String(f.metadata?.actor ?? 'unknown')))
    ),
    h(
      'div',
      { class: 'fact-meta muted small' },
      'stream ',
      h('code', {}, f.stream),
      ' · position ',
      h('code', {}, f.position)
    ),
    jsonDetails('Data', f.data),
    jsonDetails('Metadata', f.metadata)
  )

/** What a finished action means, read from the facts it appended. */
const outcomeText = (action, event) => {
  if (action === 'resolve') return 'Resolved: the mapping was deleted and its company and client can be mapped again.'
  if (action === 'acknowledge') return 'Acknowledged: the event is closed.'
  const completed = [...(event.facts ?? [])].reverse().find((f) => f.type === 'RecheckCompleted')
  const outcome = completed?.data?.outcome
  const message = completed?.data?.message ? ` ${completed.data.message}` : ''
  if (event.status === 'closed' || outcome === 'closed')
    return 'Recheck finished: the problem is gone and the event is closed.'
  if (outcome === 'failed') return `Recheck could not run: the event stays active.${message}`
  return `Recheck finished: the problem is still there; the event stays active.${message}`
}

export default async function eventPage(ctx) {
  const id = ctx.id
  const heading = h('h1', { tabindex: '-1' }, 'Event')
  const body = h('div', { class: 'event-body' })
  const actionStatus = statusLine()
  actionStatus.tabIndex = -1
  const actionError = errorLine()
  fill(
    ctx.view,
    h('p', { class: 'back' }, h('a', { href: hashFor('/events') }, '← All events')),
    h('div', { class: 'page-header' }, heading),
    body
  )

  const runAction = async (action, event, buttons) => {
    if (action === 'resolve') {
      const ok = await confirmDialog({
        title: 'Resolve this event?',
        body: `Resolve deletes the mapping of ${subjectText(event.subject)}. Its GravityZone company and HaloPSA client become available for other mappings.`,
        confirm: 'Resolve and delete the mapping'
      })
      if (!ok) return
    }
    for (const b of buttons) b.disabled = true
    const button = buttons.find((b) => b.dataset.action === action)
    button.textContent = actionBusyLabels[action]
    button.setAttribute('aria-busy', 'true')
    say(actionError, '')
    say(actionStatus, '')
    let message = ''
    try {
      await api.post(`/api/events/${encodeURIComponent(id)}/${action}`)
      await ctx.counts.refresh()
    } catch (error) {
      message = error.status === 403 ? `${error.message}.` : `${actionLabels[action]} was refused: ${error.message}.`
    }
    const after = await load()
    if (!ctx.isCurrent()) return
    if (message) say(actionError, message)
    else if (after) say(actionStatus, outcomeText(action, after))
    // The clicked button may be gone (the event closed): keep focus where the result is read.
    actionStatus.focus()
  }

  const render = (event, { mappingExists, cause }) => {
    heading.textContent = event.title
    document.title = `${event.title} · gz-halo-relay`
    const canAct = event.status === 'active' && event.actions.length > 0
    const buttons = canAct
      ? event.actions.map((action) =>
          h(
            'button',
            {
              type: 'button',
              class: `button ${action === 'resolve' ? 'button-danger' : 'button-primary'}`,
              'data-operate': '',
              dataset: { action }
            },
            actionLabels[action]
          )
        )
      : []
    for (const b of buttons) b.addEventListener('click', () => runAction(b.dataset.action, event, buttons))
    fill(
      body,
      h(
        'p',
        { class: 'event-badges' },
        eventStatusBadge(event.status),
        ' ',
        h('span', { class: 'badge badge-neutral' }, categoryLabel(event.category)),
        ' ',
        h('code', { class: 'muted small' }, event.type)
      ),
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'event-description' },
        h('h2', { id: 'event-description' }, 'Description'),
        h('p', { class: 'description' }, event.description),
        cause.length > 0
          ? h(
              'div',
              { class: 'cause' },
              h('h3', {}, 'Cause'),
              h(
                'dl',
                { class: 'facts-list' },
                cause.map(([term, value]) => row(term, value))
              )
            )
          : null,
        event.recommendedAction
          ? h(
              'div',
              { class: 'callout' },
              h('h3', {}, 'Recommended action'),
              h('p', {}, event.recommendedAction),
              h('div', { class: 'event-actions' }, recommendedControls(event, { mappingExists, generate }))
            )
          : null,
        h(
          'div',
          { class: 'event-actions' },
          buttons,
          !canAct && event.status === 'active'
            ? h('p', { class: 'muted' }, 'This event closes by itself when the problem is gone.')
            : null,
          canAct && session.readOnly() ? h('p', { class: 'muted' }, 'Actions need an operate token.') : null
        ),
        actionStatus,
        actionError
      ),
      h(
        'div',
        { class: 'columns' },
        h(
          'section',
          { class: 'panel', 'aria-labelledby': 'event-subject' },
          h('h2', { id: 'event-subject' }, 'Subject'),
          subjectList(event.subject, mappingExists)
        ),
        h(
          'section',
          { class: 'panel', 'aria-labelledby': 'event-status' },
          h('h2', { id: 'event-status' }, 'Status'),
          h(
            'dl',
            { class: 'facts-list' },
            row('Status', eventStatusBadge(event.status)),
            row('Raised', time(event.raisedAt, { seconds: true })),
            event.closedAt ? row('Closed', time(event.closedAt, { seconds: true })) : null,
            event.status === 'closed' ? row('Closure', closedText(event)) : null,
            row('Event id', h('code', { class: 'id' }, event.id))
          )
        )
      ),
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'event-facts' },
        h('h2', { id: 'event-facts' }, `Facts behind this event (${event.facts?.length ?? 0})`),
        h('ol', { class: 'fact-list' }, (event.facts ?? []).map(factItem))
      )
    )
  }

  /** The recommended action of a missing recurring invoice, from the event itself. */
  async function generate(click) {
    const button = click.currentTarget
    say(actionError, '')
    say(actionStatus, '')
    let message = ''
    await busy(button, 'Generating…', async () => {
      try {
        const mapping = await api.post(
          `/api/mappings/${encodeURIComponent(current.subject.mappingId)}/recurring-invoice`
        )
        message = `Recurring invoice #${mapping.billing.recurringInvoiceId} generated in HaloPSA.`
        await ctx.counts.refresh()
      } catch (failure) {
        say(actionError, `No recurring invoice was generated: ${failure.message}.`)
      }
    })
    if (!message) return
    await settled()
    if (!ctx.isCurrent()) return
    say(actionStatus, message)
    actionStatus.focus()
  }

  /** Reloads until the event shows the outcome (the read models follow the store a moment later). */
  const settled = async () => {
    for (let i = 0; i < 20; i++) {
      const event = await load()
      if (!event || event.status === 'closed') return
      await new Promise((resolve) => setTimeout(resolve, 150))
    }
  }

  let current = null
  const load = async () => {
    try {
      const event = await api.get(`/api/events/${encodeURIComponent(id)}`)
      const mappingId = event.subject.mappingId
      const [mappingExists, cause] = await Promise.all([
        mappingId
          ? api.get(`/api/mappings/${encodeURIComponent(mappingId)}`).then(
              () => true,
              () => false
            )
          : false,
        causeRows(event)
      ])
      current = event
      if (ctx.isCurrent()) render(event, { mappingExists, cause })
      return event
    } catch (error) {
      if (!ctx.isCurrent()) return null
      heading.textContent = error.status === 404 ? 'Event not found' : 'Event'
      fill(
        body,
        h(
          'p',
          { class: 'form-error', role: 'alert' },
          error.status === 404
            ? `No integration event has the id ${id}.`
            : `The event could not be loaded: ${error.message}.`
        )
      )
      return null
    }
  }

  await load()
}
