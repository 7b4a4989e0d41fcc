// Configuration › Ticket rules (docs/ticket-rules.md): what a security event becomes — its
// priority, a note or a new ticket for a repeat, a re-open, one ticket for several endpoints, or
// nothing. The rules in the form are backtested on the recorded history before they can be saved.

import { api } from '../api.js'
import { busy, dataTable, errorLine, fill, h, onSubmit, say, tableRegion } from '../dom.js'
import { matchRows, numberProps } from '../ruleRows.js'

const optional = (text) => (text.trim() === '' ? undefined : Number(text))

const COLUMNS = [
  ['tickets', 'Tickets'],
  ['notes', 'Notes'],
  ['reopened', 'Re-opened'],
  ['consolidated', 'Joined'],
  ['excluded', 'Excluded']
]

const countCell = (simulated, actual) =>
  h('td', {}, String(simulated), simulated === actual ? null : h('span', { class: 'muted' }, ` (was ${actual})`))

/** The backtest's answer: a sentence, then per customer and in total what the rules would have done. */
const backtestView = (result) => {
  const { events, total } = result
  const row = (name, c) =>
    h(
      'tr',
      {},
      h('th', { scope: 'row' }, name),
      COLUMNS.map(([key]) => countCell(c.simulated[key], c.actual[key]))
    )
  return [
    h(
      'p',
      {},
      `Over the last ${result.period.days} days, ${events.considered} security event${events.considered === 1 ? '' : 's'}: `,
      `these rules would have made ${total.simulated.tickets} ticket${total.simulated.tickets === 1 ? '' : 's'}, `,
      `${total.actual.tickets} were made.`
    ),
    events.capped ? h('p', { class: 'notice' }, `Capped: ${events.message}.`) : null,
    tableRegion(
      'Backtest by customer',
      dataTable(
        { class: 'data' },
        'Backtest by customer',
        ['Customer', ...COLUMNS.map(([, x]) => x)],
        h(
          'tbody',
          {},
          result.byMapping.map((m) => row(m.halopsaClientName ?? m.gravityzoneCompanyName ?? m.mappingId, m)),
          row('Total', total)
        )
      )
    )
  ]
}

export const ticketRulesForm = (rules) => {
  const onChange = () => invalidate()
  const priorities = matchRows({
    label: 'Priority rules',
    noun: 'rule',
    rows: rules.priorities,
    priority: true,
    onChange
  })
  const exclusions = matchRows({ label: 'Exclusions', noun: 'exclusion', rows: rules.exclusions, onChange })
  const field = (id, name, label, value, hint) =>
    h(
      'div',
      { class: 'field' },
      h('label', { for: id }, label, h('span', { class: 'muted' }, ' (optional)')),
      h('input', { id, ...numberProps(name, value), 'aria-describedby': `${id}-hint` }),
      h('p', { class: 'hint', id: `${id}-hint` }, hint)
    )
  const days = h('input', { id: 'backtest-days', ...numberProps('days', 30), max: '90' })
  const run = h('button', { type: 'button', class: 'button' }, 'Backtest these rules')
  const result = h('div', { role: 'region', 'aria-label': 'Backtest result', 'aria-live': 'polite' })
  const backtestError = errorLine()
  const save = h('button', { type: 'submit', class: 'button button-primary', 'data-operate': '', disabled: true })
  save.textContent = 'Save ticket rules'
  save.setAttribute('aria-describedby', 'ticket-rules-save-hint')
  const saveHint = h('p', { class: 'hint', id: 'ticket-rules-save-hint' }, 'Backtest these rules before saving them.')
  const form = h(
    'form',
    { class: 'panel panel-wide', 'aria-labelledby': 'config-ticket-rules', novalidate: true },
    h('h2', { id: 'config-ticket-rules' }, 'Ticket rules'),
    h(
      'p',
      { class: 'muted' },
      `Version ${rules.version}${rules.configured ? '' : ' (the defaults: a repeat is a note while its ticket is open)'}. `,
      'Module ids as in Ticketing above; event types such as phishing or ransomware; severity is an incident’s severityScore (0–100).'
    ),
    h('h3', {}, 'Priority of new tickets'),
    h('p', { class: 'hint' }, 'The first rule that matches gives the priority; none: the priority id of Ticketing.'),
    priorities.element,
    h('h3', {}, 'Repeats and re-opens'),
    h(
      'div',
      { class: 'form-grid' },
      field(
        'rule-window',
        'repeatWindowHours',
        'Repeat window (hours)',
        rules.consolidation.repeatWindowHours,
        'A repeat on the same endpoint is a note within this time of the last one; empty: while the ticket is open.'
      ),
      field(
        'rule-endpoints',
        'endpointWindowMinutes',
        'Endpoints window (minutes)',
        rules.consolidation.endpointWindowMinutes,
        'The same threat on other endpoints within this time joins the first ticket; empty: off.'
      ),
      field(
        'rule-reopen',
        'withinDays',
        'Re-open within (days)',
        rules.reopen.withinDays,
        'A threat back within this time of its close re-opens the ticket; empty: a new ticket.'
      ),
      field(
        'rule-reopen-status',
        'reopenStatusId',
        'Re-open status id',
        rules.reopen.statusId,
        'Empty: the ticket type’s re-opened status.'
      )
    ),
    h('h3', {}, 'Never a ticket'),
    exclusions.element,
    h('h3', {}, 'Backtest'),
    h('div', { class: 'field' }, h('label', { for: days.id }, 'Days of history'), days),
    h('div', {}, run),
    backtestError,
    result,
    h('div', { class: 'form-actions' }, save, saveHint)
  )

  const read = () => {
    const el = form.elements
    const p = priorities.read()
    if (p.error) return p
    const x = exclusions.read()
    if (x.error) return x
    const numbers = {}
    for (const name of ['repeatWindowHours', 'endpointWindowMinutes', 'withinDays', 'reopenStatusId']) {
      const value = optional(el[name].value)
      if (value !== undefined && (!Number.isInteger(value) || value < 1))
        return { error: `${el[name].labels[0].firstChild.textContent}: empty or a whole number above 0.` }
      if (value !== undefined) numbers[name] = value
    }
    const { repeatWindowHours, endpointWindowMinutes, withinDays, reopenStatusId } = numbers
    return {
      rules: {
        priorities: p.rows,
        consolidation: { repeatWindowHours, endpointWindowMinutes },
        reopen: { withinDays, statusId: reopenStatusId },
        exclusions: x.rows
      }
    }
  }

  /** The rules the shown backtest is about (JSON); Save is on only while the form still says them. */
  let previewed
  const invalidate = () => {
    if (previewed === undefined) return
    previewed = undefined
    save.disabled = true
    say(saveHint, 'The rules changed since the backtest: backtest them again before saving.')
    result.prepend(h('p', { class: 'notice' }, 'This backtest is of the rules as they were before your change.'))
  }
  form.addEventListener('input', (event) => event.target !== days && invalidate())
  run.addEventListener('click', () =>
    busy(run, 'Backtesting…', async () => {
      say(backtestError, '')
      const read_ = read()
      if (read_.error) return say(backtestError, read_.error)
      try {
        const answer = await api.post('/api/ticketing/rules/preview', {
          rules: read_.rules,
          days: Number(days.value) || 30
        })
        fill(result, backtestView(answer))
        previewed = JSON.stringify(read_.rules)
        save.disabled = false
        say(saveHint, 'Saving records these rules; ticketing uses them from the next security event.')
      } catch (failure) {
        say(backtestError, `The backtest failed: ${failure.message}.`)
      }
    })
  )
  onSubmit(form, async () => {
    const read_ = read()
    if (read_.error) return read_
    if (JSON.stringify(read_.rules) !== previewed) return { error: 'Backtest these rules before saving them.' }
    const saved = await api.put('/api/config/ticket-rules', read_.rules)
    return `Saved: ticket rules version ${saved.version}.`
  })
  return form
}
