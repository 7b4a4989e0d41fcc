// Notifications: the outbound webhook targets (GET/PUT /api/config/notifications), one row each,
// and "Send test", which sends a test message to every saved target and says what each answered.
// URLs and secrets come back masked; leaving them as shown keeps what is stored.

import { api } from '../api.js'
import { badge, busy, errorLine, fill, h, onSubmit, pageHeader, say, statusLine, tableRegion } from '../dom.js'

const kinds = [
  { id: 'raised', label: 'Raised' },
  { id: 'closed', label: 'Closed' },
  { id: 'platform', label: 'Platform down/up' }
]

let rowSeq = 0

const targetRow = (target = { name: '', url: '', format: 'json', on: ['raised'] }) => {
  const n = ++rowSeq
  const input = (name, label, value, props = {}) =>
    h(
      'div',
      { class: 'field' },
      h('label', { for: `nt-${name}-${n}` }, label),
      h('input', {
        id: `nt-${name}-${n}`,
        name,
        value: value ?? '',
        autocomplete: 'off',
        spellcheck: 'false',
        ...props
      })
    )
  const row = h(
    'fieldset',
    { class: 'panel notification-target' },
    h('legend', {}, target.name ? `Target ${target.name}` : 'New target'),
    h(
      'div',
      { class: 'form-grid' },
      input('name', 'Name', target.name, { required: true, maxlength: '64' }),
      input('url', 'URL', target.url, { required: true, type: 'url', class: 'input-wide' }),
      h(
        'div',
        { class: 'field' },
        h('label', { for: `nt-format-${n}` }, 'Format'),
        h(
          'select',
          { id: `nt-format-${n}`, name: 'format' },
          ['json', 'teams', 'slack'].map((f) => h('option', { value: f, selected: f === target.format }, f))
        )
      ),
      input('secret', 'Signing secret (optional, 16+ characters)', target.secret, { type: 'password' })
    ),
    h(
      'fieldset',
      { class: 'checks' },
      h('legend', {}, 'Send when'),
      kinds.map((k) =>
        h(
          'label',
          {},
          h('input', { type: 'checkbox', name: 'on', value: k.id, checked: target.on.includes(k.id) }),
          ` ${k.label}`
        )
      )
    ),
    h(
      'button',
      { type: 'button', class: 'button button-small', 'data-operate': '', onClick: () => row.remove() },
      'Remove'
    )
  )
  return row
}

const readTargets = (list) =>
  [...list.querySelectorAll('.notification-target')].map((row) => {
    const value = (name) => row.querySelector(`[name=${name}]`).value.trim()
    const secret = value('secret')
    return {
      name: value('name'),
      url: value('url'),
      format: value('format'),
      on: [...row.querySelectorAll('[name=on]:checked')].map((c) => c.value),
      ...(secret ? { secret } : {})
    }
  })

export default async function notificationsPage(ctx) {
  const list = h('div', { class: 'notification-targets' })
  const add = h('button', { type: 'button', class: 'button', 'data-operate': '' }, 'Add target')
  const testButton = h('button', { type: 'button', class: 'button', 'data-operate': '', id: 'send-test' }, 'Send test')
  const testStatus = statusLine()
  const testError = errorLine()
  const results = h('tbody')
  const resultTable = h(
    'table',
    { class: 'data', hidden: true },
    h('caption', {}, 'Test results'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Target', 'Result', 'Details'].map((c) => h('th', { scope: 'col' }, c))
      )
    ),
    results
  )
  const form = h(
    'form',
    { 'aria-label': 'Notification targets', novalidate: true },
    list,
    h(
      'div',
      { class: 'form-actions' },
      add,
      h('button', { type: 'submit', class: 'button button-primary', 'data-operate': '' }, 'Save targets')
    )
  )
  fill(
    ctx.view,
    pageHeader('Notifications', testButton),
    h(
      'p',
      { class: 'lead' },
      'Webhooks the relay calls when an integration event is raised or closed, or a platform goes down or comes back: ',
      'signed JSON, a Microsoft Teams card or a Slack message. Delivery is retried with backoff; every attempt is in the audit.'
    ),
    testStatus,
    testError,
    tableRegion('Test results', resultTable),
    form
  )
  add.addEventListener('click', () => list.append(targetRow()))
  onSubmit(form, async () => {
    const targets = readTargets(list)
    if (targets.some((t) => !t.name || !t.url)) return { error: 'Every target needs a name and a URL.' }
    if (targets.some((t) => t.on.length === 0)) return { error: 'Every target needs at least one "Send when".' }
    const saved = await api.put('/api/config/notifications', { targets })
    fill(
      list,
      saved.targets.map((t) => targetRow(t))
    )
    return `Saved: ${saved.targets.length} target${saved.targets.length === 1 ? '' : 's'}.`
  })
  testButton.addEventListener('click', () =>
    busy(testButton, 'Sending…', async () => {
      say(testStatus, '')
      say(testError, '')
      try {
        const answer = await api.post('/api/config/notifications/test')
        fill(
          results,
          answer.results.map((r) =>
            h(
              'tr',
              { 'data-target': r.name },
              h('td', {}, r.name),
              h('td', {}, badge(r.ok ? 'Delivered' : 'Failed', r.ok ? 'ok' : 'danger')),
              h('td', {}, r.ok ? `HTTP ${r.status} in ${r.durationMs} ms` : r.error)
            )
          )
        )
        resultTable.hidden = false
        say(testStatus, answer.results.length === 0 ? 'No targets saved yet.' : 'Test messages sent.')
      } catch (error) {
        say(testError, `Not sent: ${error.message}.`)
      }
    })
  )
  const current = await api.get('/api/config/notifications')
  if (!ctx.isCurrent()) return
  fill(list, current.targets.length ? current.targets.map((t) => targetRow(t)) : [targetRow()])
}
