// Billing: for a month, what a billing run would write (GET /api/billing/preview) beside GravityZone's
// usage against the invoices as HaloPSA holds them (GET /api/billing/reconciliation, also as CSV),
// and, with BILLING_APPROVAL=manual, the proposals waiting for approval (docs/billing.md).

import { ApiError, api, followJob, query, session } from '../api.js'
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
import { hashFor, mappingHref } from '../router.js'

/** MM/YYYY of the month before the current one (UTC), as billing runs do by default. */
const lastMonth = () => {
  const d = new Date()
  const prev = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1))
  return `${String(prev.getUTCMonth() + 1).padStart(2, '0')}/${prev.getUTCFullYear()}`
}
const toInput = (month) => `${month.slice(3)}-${month.slice(0, 2)}`
const fromInput = (value) => (/^\d{4}-\d{2}$/.test(value) ? `${value.slice(5)}/${value.slice(0, 4)}` : null)

const actionTone = { update: 'warn', unchanged: 'neutral', skip: 'neutral' }
const flagLabels = {
  'under-billed': 'Under-billed',
  'over-billed': 'Over-billed',
  'unmapped-usage': 'Unmapped usage',
  'automatic-quantity': 'Automatic quantity',
  'billing-off-with-usage': 'Billing off, with usage',
  'usage-jump': 'Usage jump'
}
const reasonText = (reason) =>
  String(reason ?? '')
    .replaceAll('_', ' ')
    .replaceAll('-', ' ')
const num = (n) => (n === null || n === undefined ? '—' : String(n))

const table = (caption, columns, rows) =>
  dataTable({ class: 'data stack-narrow' }, caption, columns, h('tbody', {}, rows))

const previewRows = (preview) =>
  preview.mappings.flatMap((m) => {
    const customer = h('a', { href: mappingHref(m.mappingId) }, m.customer)
    const jump = m.usageJump
      ? badge(`Usage ${m.usageJump.changePercent === null ? 'new' : `${m.usageJump.changePercent}%`}`, 'warn')
      : null
    if (m.lines.length === 0)
      return [
        h('tr', {}, h('td', {}, customer, ' ', jump), h('td', { colspan: 4 }, `Skipped: ${reasonText(m.skipped)}`))
      ]
    return m.lines.map((l) =>
      h(
        'tr',
        { dataset: { action: l.action } },
        h('td', {}, customer.cloneNode(true), ' ', jump?.cloneNode(true)),
        h('td', {}, `#${l.itemId} `, h('span', { class: 'muted' }, l.usage)),
        h('td', { class: 'num' }, num(l.gravityzoneQuantity)),
        h('td', { class: 'num' }, num(l.halopsaQuantity)),
        h('td', {}, badge(l.action, actionTone[l.action]), l.reason ? ` ${reasonText(l.reason)}` : '')
      )
    )
  })

const reconciliationRows = (r) =>
  r.rows.map((row) =>
    h(
      'tr',
      {},
      h('td', {}, row.mappingId ? h('a', { href: mappingHref(row.mappingId) }, row.customer) : row.customer),
      h('td', {}, row.itemId === null ? '—' : `#${row.itemId}`),
      h('td', { class: 'num' }, num(row.gravityzoneQuantity)),
      h('td', { class: 'num' }, num(row.halopsaQuantity)),
      h('td', { class: 'num' }, num(row.difference)),
      h(
        'td',
        {},
        row.flags.map((f) => badge(flagLabels[f] ?? f, f === 'usage-jump' || f.endsWith('billed') ? 'warn' : 'neutral'))
      )
    )
  )

/** The CSV needs the token, so it is fetched and handed to the browser as a file. */
const downloadCsv = async (month) => {
  const response = await fetch(`/api/billing/reconciliation${query({ month })}`, {
    headers: { accept: 'text/csv', authorization: `Bearer ${session.token()}` },
    cache: 'no-store'
  })
  if (!response.ok) throw new ApiError(response.status, 'csv_failed', `the relay answered ${response.status}`)
  const url = window.URL.createObjectURL(await response.blob())
  const link = h('a', { href: url, download: `reconciliation-${toInput(month)}.csv`, hidden: true })
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => window.URL.revokeObjectURL(url), 10_000)
}

export default async function billingPage(ctx) {
  const month = /^\d{2}\/\d{4}$/.test(ctx.params.month ?? '') ? ctx.params.month : lastMonth()
  const picker = h('input', { id: 'billing-month', type: 'month', value: toInput(month), required: true })
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Billing month' },
    h('div', { class: 'field' }, h('label', { for: 'billing-month' }, 'Month'), picker),
    h('button', { type: 'submit', class: 'button' }, 'Show')
  )
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const chosen = fromInput(picker.value)
    if (chosen) location.hash = hashFor('/billing', { month: chosen })
  })
  const csvButton = h('button', { type: 'button', class: 'button' }, 'Download CSV')
  const csvError = errorLine()
  csvButton.addEventListener('click', () =>
    busy(csvButton, 'Downloading…', async () => {
      say(csvError, '')
      try {
        await downloadCsv(month)
      } catch (failure) {
        say(csvError, `No CSV: ${failure.message}.`)
      }
    })
  )
  const proposals = h('section', { class: 'panel', 'aria-labelledby': 'billing-proposals', hidden: true })
  const previewPanel = h('section', { class: 'panel', 'aria-labelledby': 'billing-preview' })
  const reconPanel = h('section', { class: 'panel', 'aria-labelledby': 'billing-reconciliation' })
  fill(previewPanel, h('h2', { id: 'billing-preview' }, 'Preview'), h('p', { class: 'muted' }, 'Loading…'))
  fill(reconPanel, h('h2', { id: 'billing-reconciliation' }, 'Reconciliation'), h('p', { class: 'muted' }, 'Loading…'))
  fill(
    ctx.view,
    pageHeader(`Billing ${month}`),
    form,
    proposals,
    h('div', { class: 'columns billing-columns' }, previewPanel, reconPanel)
  )

  const showPreview = (p) =>
    fill(
      previewPanel,
      h('h2', { id: 'billing-preview' }, 'Preview'),
      h(
        'p',
        { class: 'muted' },
        `What a billing run for ${p.month} would write (nothing is written to show this): `,
        `${p.totals.update} lines to update, ${p.totals.unchanged} unchanged, ${p.totals.skip} skipped; `,
        `${p.totals.billed} mappings billed, ${p.totals.skipped} not.`
      ),
      tableRegion(
        'Preview lines',
        table('What the run would do', ['Customer', 'Item', 'GravityZone', 'HaloPSA', 'Action'], previewRows(p))
      )
    )
  const showReconciliation = (r) =>
    fill(
      reconPanel,
      h('div', { class: 'page-header' }, h('h2', { id: 'billing-reconciliation' }, 'Reconciliation'), csvButton),
      csvError,
      h(
        'p',
        { class: 'muted' },
        `GravityZone's usage against the invoices as HaloPSA holds them now: ${r.totals.rows} rows, `,
        `${r.totals.flags['under-billed']} under-billed, ${r.totals.flags['over-billed']} over-billed, `,
        `${r.totals.flags['unmapped-usage']} unmapped with usage`,
        r.totals.unmapped.notChecked > 0 ? ` (${r.totals.unmapped.notChecked} unmapped companies not checked)` : '',
        '.'
      ),
      tableRegion(
        'Reconciliation rows',
        table(
          'Usage against invoices',
          ['Customer', 'Item', 'GravityZone', 'HaloPSA', 'Difference', 'Flags'],
          reconciliationRows(r)
        )
      )
    )
  const failed = (panel, id, title, failure) =>
    fill(
      panel,
      h('h2', { id }, title),
      h('p', { class: 'form-error', role: 'alert' }, `Not available: ${failure.message}.`)
    )

  // Kept across refreshes of the list, so what an approval answered stays said.
  const status = statusLine()
  const error = errorLine()
  const loadProposals = async () => {
    const listed = await api.get(`/api/billing/proposals${query({ month })}`)
    if (listed.approval !== 'manual' && listed.items.length === 0) return (proposals.hidden = true)
    proposals.hidden = false
    const pending = listed.items.filter((p) => p.status === 'pending')
    fill(
      proposals,
      h('h2', { id: 'billing-proposals' }, 'Proposals'),
      h(
        'p',
        { class: 'muted' },
        'Billing runs wait for approval (BILLING_APPROVAL=manual): approving one writes its update lines.'
      ),
      listed.items.length === 0 ? h('p', { class: 'empty' }, `No proposal for ${month} yet.`) : null,
      h(
        'ul',
        { class: 'result-list' },
        listed.items.map((p) => {
          const approve = h('button', { type: 'button', class: 'button button-primary', 'data-operate': '' }, 'Approve')
          approve.addEventListener('click', async () => {
            const ok = await confirmDialog({
              title: `Approve the billing proposal for ${p.month}?`,
              body: `The relay writes ${p.totals.update} line quantities on ${p.totals.billed} recurring invoices in HaloPSA.`,
              confirm: 'Approve and write',
              tone: 'primary'
            })
            if (!ok) return
            await busy(approve, 'Approving…', async () => {
              say(error, '')
              try {
                const result = await api.post(
                  `/api/billing/proposals/${encodeURIComponent(p.proposalId)}/approve?wait=20`
                )
                const run = result.status === 'running' ? await followJob(result.runId, ctx.isCurrent) : { result }
                const r = run?.result ?? {}
                say(
                  status,
                  `Approved: ${r.billed ?? 0} invoices billed, ${r.unchanged ?? 0} unchanged, ${r.failed ?? 0} failed.`
                )
              } catch (failure) {
                if (failure.status === 403) approve.disabled = true
                say(
                  error,
                  failure.code === 'proposal_stale'
                    ? 'This proposal was made before the latest poll: a new one replaces it; check it and approve that one.'
                    : `Not approved: ${failure.message}.`
                )
              }
              if (ctx.isCurrent()) await loadProposals()
            })
          })
          return h(
            'li',
            {},
            badge(p.stale ? 'stale' : p.status, p.status === 'pending' ? 'warn' : 'neutral'),
            ` ${p.month}, proposed `,
            time(p.proposedAt),
            `: ${p.totals.update} lines to update on ${p.totals.billed} invoices`,
            p.approvedBy ? `; approved by ${p.approvedBy}` : '',
            ' ',
            pending.includes(p) ? approve : null
          )
        })
      ),
      status,
      error
    )
  }

  await Promise.all([
    api.get(`/api/billing/preview${query({ month })}`).then(
      (p) => ctx.isCurrent() && showPreview(p),
      (f) => ctx.isCurrent() && failed(previewPanel, 'billing-preview', 'Preview', f)
    ),
    api.get(`/api/billing/reconciliation${query({ month })}`).then(
      (r) => ctx.isCurrent() && showReconciliation(r),
      (f) => ctx.isCurrent() && failed(reconPanel, 'billing-reconciliation', 'Reconciliation', f)
    ),
    loadProposals().catch((f) => {
      proposals.hidden = false
      fill(proposals, h('h2', { id: 'billing-proposals' }, 'Proposals'), h('p', { role: 'alert' }, f.message))
    })
  ])
}
