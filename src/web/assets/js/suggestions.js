// Suggested mappings (GET /api/mappings/suggestions): unmapped GravityZone companies paired with
// unmapped HaloPSA clients by name. Nothing is mapped until a person clicks Accept, or "Map all
// exact matches" for the pairs whose names are the same once case, punctuation and legal suffixes
// are set aside.

import { api } from './api.js'
import { busy, dataTable, h, say, tableRegion, visuallyHidden } from './dom.js'

const percent = (confidence) => `${Math.round(confidence * 100)} %`

const create = (s) =>
  api.post('/api/mappings', { gravityzoneCompanyId: s.gravityzoneCompany.id, halopsaClientId: s.halopsaClient.id })

/**
 * The panel; `onMapped()` runs after any mapping was created (the list of mappings reloads).
 * Results are said in the page's `status` and `error` lines: the panel hides once it is empty.
 */
export const suggestionsPanel = ({ onMapped, status, error }) => {
  const tbody = h('tbody')
  const mapAll = h(
    'button',
    { type: 'button', class: 'button button-primary', 'data-operate': '' },
    'Map all exact matches'
  )
  const panel = h(
    'section',
    { class: 'panel suggestions', 'aria-labelledby': 'suggestions-title', hidden: true },
    h('div', { class: 'panel-header' }, h('h2', { id: 'suggestions-title' }, 'Suggested mappings'), mapAll),
    h(
      'p',
      { class: 'muted small' },
      'Companies and clients no mapping uses, paired by name. A mapping made here starts with Billing and Ticketing off.'
    ),
    tableRegion(
      'Suggested mappings',
      dataTable(
        { class: 'data suggestions-table stack-narrow' },
        'Suggested mappings',
        ['GravityZone company', 'HaloPSA client', 'Match', h('span', { class: 'visually-hidden' }, 'Actions')],
        tbody
      )
    )
  )

  let suggestions = []
  const accept = async (s, button) => {
    say(error, '')
    await busy(button, 'Mapping…', async () => {
      try {
        await create(s)
        say(status, `Mapped ${s.gravityzoneCompany.name} to ${s.halopsaClient.name}.`)
        await Promise.all([load(), onMapped()])
      } catch (failure) {
        say(error, `${s.gravityzoneCompany.name} was not mapped: ${failure.message}.`)
      }
    })
  }
  const row = (s) => {
    const button = h(
      'button',
      { type: 'button', class: 'button button-small', 'data-operate': '' },
      'Accept',
      visuallyHidden(`: map ${s.gravityzoneCompany.name} to ${s.halopsaClient.name}`)
    )
    button.addEventListener('click', () => accept(s, button))
    return h(
      'tr',
      {},
      h('td', { 'data-label': 'GravityZone company' }, s.gravityzoneCompany.name),
      h(
        'td',
        { 'data-label': 'HaloPSA client' },
        s.halopsaClient.name,
        h('span', { class: 'id' }, ` #${s.halopsaClient.id}`)
      ),
      h('td', { 'data-label': 'Match' }, s.exact ? 'Same name' : percent(s.confidence)),
      h('td', { class: 'cell-action' }, button)
    )
  }

  mapAll.addEventListener('click', () =>
    busy(mapAll, 'Mapping…', async () => {
      say(error, '')
      const exact = suggestions.filter((s) => s.exact)
      const failed = []
      for (const s of exact)
        await create(s).catch((failure) => failed.push(`${s.gravityzoneCompany.name}: ${failure.message}`))
      say(status, `Mapped ${exact.length - failed.length} of ${exact.length} exact matches.`)
      if (failed.length > 0) say(error, `Not mapped: ${failed.join('; ')}.`)
      await Promise.all([load(), onMapped()])
    })
  )

  async function load() {
    try {
      suggestions = (await api.get('/api/mappings/suggestions?limit=100')).items
    } catch (failure) {
      suggestions = []
      say(error, `Suggestions could not be loaded: ${failure.message}.`)
    }
    tbody.replaceChildren(...suggestions.map(row))
    const exact = suggestions.filter((s) => s.exact).length
    mapAll.hidden = exact === 0
    mapAll.textContent = `Map all exact matches (${exact})`
    panel.hidden = suggestions.length === 0
  }

  return { panel, load }
}
