// The mapping page's Assets tab (docs/assets.md#the-dashboard): each endpoint of the company with the
// HaloPSA asset its tickets carry and why (the rule, a manual link, or none), filtered by matched /
// unmatched and searched; Link… opens a searchable picker of the client's assets, Unlink says the
// endpoint has none, Use rule forgets the operator's decision.

import { api } from '../api.js'
import { badge, busy, errorLine, fill, h, say, statusLine, tableRegion } from '../dom.js'

const PAGE = 50

const matchedByBadge = (item) => {
  if (item.override === 'unlink') return badge('Unlinked', 'neutral')
  if (item.matchedBy === 'manual') return badge('Manual', 'ok')
  if (item.matchedBy === 'rule') return badge('Rule', 'ok')
  return badge('None', 'warn')
}

const ruleText = (rule) => {
  if (!rule.enabled) return 'Automatic matching is off; only manual links apply.'
  const field = typeof rule.haloField === 'number' ? `custom field ${rule.haloField}` : rule.haloField
  const mode = rule.mode === 'exact' ? 'equals' : 'contains (either way)'
  const scope = rule.source === 'mapping' ? 'this mapping’s own rule' : 'the global rule'
  return `Rule: HaloPSA ${field} ${mode} the GravityZone ${rule.gravityzoneField}, ${
    rule.caseSensitive ? 'case-sensitive' : 'ignoring case'
  } (${scope}).`
}

/** A picker of the client's HaloPSA assets: a search box and the assets it finds, each a button. */
const assetPicker = (base, endpointName, onPick, onCancel) => {
  const input = h('input', { type: 'search', id: 'asset-search', autocomplete: 'off', spellcheck: 'false' })
  const results = h('ul', { class: 'asset-results', 'aria-label': 'HaloPSA assets found' })
  const error = errorLine()
  let seq = 0
  const search = async () => {
    const mine = ++seq
    try {
      const page = await api.get(`${base}/halo-assets?limit=20&search=${encodeURIComponent(input.value.trim())}`)
      if (mine !== seq) return
      say(error, '')
      fill(
        results,
        page.items.length === 0
          ? h('li', { class: 'muted' }, 'No HaloPSA asset of this client matches.')
          : page.items.map((a) =>
              h(
                'li',
                {},
                h(
                  'button',
                  { type: 'button', class: 'button button-small', onClick: () => onPick(a) },
                  `${a.name}${a.inventoryNumber ? ` (${a.inventoryNumber})` : ''}`
                ),
                a.endpointIds.length > 0 ? h('span', { class: 'muted' }, ' carried by another endpoint') : null
              )
            )
      )
    } catch (failure) {
      if (mine === seq) say(error, `The HaloPSA assets could not be listed: ${failure.message}.`)
    }
  }
  input.addEventListener('input', () => void search())
  const picker = h(
    'div',
    { class: 'asset-picker', role: 'group', 'aria-label': `Link ${endpointName} to a HaloPSA asset` },
    h('label', { for: 'asset-search' }, `Find a HaloPSA asset for ${endpointName}`),
    input,
    results,
    error,
    h('button', { type: 'button', class: 'button button-small', onClick: onCancel }, 'Cancel')
  )
  void search()
  setTimeout(() => input.focus(), 0)
  return picker
}

const assetsPanel = (ctx, mapping) => {
  const base = `/api/mappings/${encodeURIComponent(mapping.id)}`
  const status = h(
    'select',
    { id: 'assets-status' },
    h('option', { value: 'all' }, 'All'),
    h('option', { value: 'matched' }, 'Matched'),
    h('option', { value: 'unmatched' }, 'Unmatched')
  )
  const search = h('input', { type: 'search', id: 'assets-search', autocomplete: 'off', spellcheck: 'false' })
  const summary = h('p', { class: 'muted' })
  const rule = h('p', { class: 'muted' })
  const rows = h('tbody')
  const table = h(
    'table',
    { class: 'data' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Endpoint', 'IP', 'MAC', 'HaloPSA asset', 'Matched by'].map((c) => h('th', { scope: 'col' }, c)),
        h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions'))
      )
    ),
    rows
  )
  const more = h('button', { type: 'button', class: 'button', hidden: true }, 'Show more')
  const done = statusLine()
  const error = errorLine()
  let cursor = null

  const act = async (button, label, work, message) =>
    busy(button, label, async () => {
      say(error, '')
      say(done, '')
      try {
        const item = await work()
        say(done, message(item))
        await load()
      } catch (failure) {
        say(error, `Nothing changed: ${failure.message}.`)
      }
    })

  const row = (item) => {
    const actions = h('td', { class: 'cell-action' })
    const tr = h(
      'tr',
      {},
      h('td', {}, h('div', { class: 'named' }, item.endpointName, h('span', { class: 'id' }, item.endpointId))),
      h('td', {}, item.ip ?? '—'),
      h('td', { class: 'input-mono' }, item.mac ?? '—'),
      h(
        'td',
        {},
        item.haloAssetId !== undefined
          ? h(
              'div',
              { class: 'named' },
              item.haloAssetName,
              h('span', { class: 'id' }, `#${item.haloAssetId}${item.haloAssetTag ? ` · ${item.haloAssetTag}` : ''}`)
            )
          : h('span', { class: 'muted' }, 'none')
      ),
      h('td', {}, matchedByBadge(item)),
      actions
    )
    const path = `${base}/assets/${encodeURIComponent(item.endpointId)}`
    const link = h('button', { type: 'button', class: 'button button-small', 'data-operate': '' }, 'Link…')
    link.addEventListener('click', () => {
      const cell = h('td', { colspan: '6' })
      const pickerRow = h('tr', { class: 'picker-row' }, cell)
      const close = () => {
        pickerRow.remove()
        link.focus()
      }
      fill(
        cell,
        assetPicker(
          base,
          item.endpointName,
          (asset) =>
            act(
              link,
              'Linking…',
              () => api.put(path, { haloAssetId: asset.id }),
              (x) => `${x.endpointName} is linked to ${x.haloAssetName}; its tickets carry this asset.`
            ),
          close
        )
      )
      rows.querySelector('.picker-row')?.remove()
      tr.after(pickerRow)
    })
    actions.append(link)
    if (item.haloAssetId !== undefined) {
      const unlink = h('button', { type: 'button', class: 'button button-small', 'data-operate': '' }, 'Unlink')
      unlink.addEventListener('click', () =>
        act(
          unlink,
          'Unlinking…',
          () => api.delete(path),
          (x) => `${x.endpointName} is unlinked; its tickets carry no asset.`
        )
      )
      actions.append(' ', unlink)
    }
    if (item.override !== undefined) {
      const useRule = h('button', { type: 'button', class: 'button button-small', 'data-operate': '' }, 'Use rule')
      useRule.addEventListener('click', () =>
        act(
          useRule,
          'Saving…',
          () => api.delete(`${path}/override`),
          (x) => `${x.endpointName} follows the rule again.`
        )
      )
      actions.append(' ', useRule)
    }
    return tr
  }

  const load = async (append = false) => {
    const params = new URLSearchParams({ status: status.value, limit: String(PAGE) })
    if (search.value.trim()) params.set('search', search.value.trim())
    if (append && cursor) params.set('cursor', cursor)
    try {
      const page = await api.get(`${base}/assets?${params}`)
      if (!ctx.isCurrent()) return
      const c = page.counts
      say(
        summary,
        c.endpoints === 0
          ? 'No endpoint has been read for this company yet: the inventory poll reads them (Check now).'
          : `${c.endpoints} endpoints: ${c.matched} with a HaloPSA asset, ${c.unmatched} without; the client has ${c.assets} HaloPSA assets.`
      )
      say(rule, ruleText(page.rule))
      if (!append) rows.replaceChildren()
      rows.append(...page.items.map(row))
      cursor = page.nextCursor
      more.hidden = cursor === null
    } catch (failure) {
      say(error, `The endpoints could not be loaded: ${failure.message}.`)
    }
  }

  status.addEventListener('change', () => void load())
  let typing
  search.addEventListener('input', () => {
    clearTimeout(typing)
    typing = setTimeout(() => void load(), 250)
  })
  more.addEventListener('click', () => void load(true))

  const panel = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'mapping-assets' },
    h('h2', { id: 'mapping-assets' }, 'Assets'),
    summary,
    rule,
    h(
      'div',
      { class: 'filters' },
      h('div', { class: 'field' }, h('label', { for: 'assets-status' }, 'Show'), status),
      h('div', { class: 'field' }, h('label', { for: 'assets-search' }, 'Search endpoints'), search)
    ),
    done,
    error,
    tableRegion('Endpoints and their HaloPSA assets', table),
    more
  )
  return { panel, load }
}

/**
 * Puts the mapping page's sections under a "Settings" tab beside an "Assets" tab (`?tab=assets`
 * opens it; switching tabs keeps the choice in the address without reloading the page).
 */
export const mountAssetsTab = (ctx, body, mapping) => {
  const settings = h('div', { id: 'mapping-tab-settings', role: 'tabpanel', 'aria-labelledby': 'tab-settings' })
  settings.append(...body.childNodes)
  const assets = assetsPanel(ctx, mapping)
  const assetsView = h(
    'div',
    { id: 'mapping-tab-assets', role: 'tabpanel', 'aria-labelledby': 'tab-assets' },
    assets.panel
  )
  const tab = (id, label, panel) =>
    h('button', { type: 'button', role: 'tab', id, class: 'tab', 'aria-controls': panel.id }, label)
  const tabs = [tab('tab-settings', 'Settings', settings), tab('tab-assets', 'Assets', assetsView)]
  let loaded = false
  const select = (index, focus = false) => {
    tabs.forEach((t, i) => {
      t.setAttribute('aria-selected', String(i === index))
      t.tabIndex = i === index ? 0 : -1
    })
    settings.hidden = index !== 0
    assetsView.hidden = index !== 1
    if (focus) tabs[index].focus()
    const [path] = location.hash.split('?')
    history.replaceState(null, '', index === 1 ? `${path}?tab=assets` : path)
    if (index === 1 && !loaded) {
      loaded = true
      void assets.load()
    }
  }
  tabs.forEach((t, i) => {
    t.addEventListener('click', () => select(i))
    t.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowRight' || event.key === 'ArrowLeft') select(1 - i, true)
    })
  })
  fill(body, h('div', { role: 'tablist', class: 'tabs', 'aria-label': 'Mapping sections' }, tabs), settings, assetsView)
  select(ctx.params?.tab === 'assets' ? 1 : 0)
}
