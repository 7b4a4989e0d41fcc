// The dashboard's entry point: sign-in, the shell (navigation with the active-event count, the
// live connection) and the router that renders one page at a time into #view.

import { api, onAuthProblem, session } from './api.js'
import { fill, h, time } from './dom.js'
import { platformLabels } from './catalogue.js'
import { eventHref } from './router.js'
import { createLiveFacts } from './live.js'
import { currentRoute } from './router.js'
import eventsPage from './pages/events.js'
import eventPage from './pages/event.js'
import mappingsPage from './pages/mappings.js'
import mappingPage from './pages/mapping.js'
import configurationPage from './pages/configuration.js'
import auditPage from './pages/audit.js'
import billingPage from './pages/billing.js'

const $ = (id) => document.getElementById(id)

// #region active-event count (GET /api/events/count), shared by the navigation and the Events page
const counts = (() => {
  const listeners = new Set()
  let current = null
  let timers = []
  const refresh = async () => {
    if (!session.token()) return current
    try {
      current = await api.get('/api/events/count')
      for (const listener of listeners) listener(current)
    } catch {
      // A 401 signs out (below); anything else keeps the last count until the next fact.
    }
    return current
  }
  return {
    current: () => current,
    refresh,
    /**
     * After a fact arrives the read models may still be applying it (they and the live tail both
     * follow the store), so the count is asked for soon and once more a little later.
     */
    refreshSoon() {
      for (const t of timers) clearTimeout(t)
      timers = [setTimeout(refresh, 150), setTimeout(refresh, 1200)]
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
  }
})()

counts.subscribe((c) => {
  const badge = $('nav-active-count')
  badge.textContent = String(c.active)
  badge.hidden = false
  badge.classList.toggle('count-zero', c.active === 0)
  $('nav-active-label').textContent = `, ${c.active} active`
})
// #endregion

// #region platform banner: while a platform-unreachable event is active, say so on every page
const platformBanner = $('platform-banner')
let bannerFor = ''
let bannerSeq = 0
counts.subscribe(async (c) => {
  const active = c.byType?.['platform-unreachable'] ?? 0
  // Only the latest count decides: an earlier, slower look-up must not bring back a closed banner.
  const seq = ++bannerSeq
  if (active === 0) {
    bannerFor = ''
    platformBanner.hidden = true
    return fill(platformBanner)
  }
  let events
  try {
    events = (await api.get('/api/events?type=platform-unreachable&status=active')).items
  } catch {
    return // kept as it was until the next count
  }
  if (seq !== bannerSeq) return
  const key = events.map((e) => e.id).join()
  if (key === bannerFor) return
  bannerFor = key
  fill(
    platformBanner,
    events.map((e) => {
      const name = platformLabels[e.subject.platform] ?? e.subject.platform
      return h(
        'p',
        {},
        h('strong', {}, `${name} is unreachable`),
        ' since ',
        time(e.raisedAt),
        `: the relay cannot check it, bill through it or create tickets in it until it answers; nothing is lost meanwhile. `,
        h('a', { href: eventHref(e.id) }, 'View the event')
      )
    })
  )
  platformBanner.hidden = events.length === 0
})
// #endregion

// #region live facts
const live = createLiveFacts({ onUnauthorized: (error) => signOut(`Signed out: ${error.message}.`) })
live.onFact(() => counts.refreshSoon())
const liveLabels = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', stopped: '' }
live.onStatus((status) => {
  // Facts recorded before the tail (re)connected are not replayed to it: ask for the count once more.
  if (status === 'live') counts.refreshSoon()
  const el = $('live-state')
  el.textContent = liveLabels[status]
  el.dataset.status = status
})
// #endregion

// #region router
const routes = {
  events: eventsPage,
  mappings: mappingsPage,
  configuration: configurationPage,
  audit: auditPage,
  billing: billingPage
}
const detailRoutes = { events: eventPage, mappings: mappingPage }
let cleanups = []
let renderCount = 0

const render = async () => {
  if (!session.token()) return
  for (const cleanup of cleanups.splice(0)) cleanup()
  const seq = ++renderCount
  const { segments, params } = currentRoute()
  const [section = 'events', id] = segments
  const page = id !== undefined ? detailRoutes[section] : routes[section]
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.dataset.page === section) link.setAttribute('aria-current', 'page')
    else link.removeAttribute('aria-current')
  }
  const view = h('div', { class: 'page' })
  $('view').replaceChildren(view)
  const ctx = {
    view,
    id,
    params,
    live,
    counts,
    onCleanup: (fn) => cleanups.push(fn),
    isCurrent: () => seq === renderCount
  }
  if (!page) {
    fill(view, h('h1', { tabindex: '-1' }, 'Page not found'), h('p', {}, h('a', { href: '#/events' }, 'Go to Events')))
  }
  const pending = page ? page(ctx) : Promise.resolve()
  // The page's heading is in place before its data: move focus there, so a screen reader announces the new page.
  const heading = view.querySelector('h1')
  if (heading) {
    document.title = `${heading.textContent} · gz-halo-relay`
    heading.focus({ preventScroll: true })
  }
  try {
    await pending
  } catch (error) {
    if (ctx.isCurrent())
      view.append(h('p', { class: 'form-error', role: 'alert' }, `This page could not be loaded: ${error.message}`))
  }
}
window.addEventListener('hashchange', render)
// #endregion

// #region sign-in and sign-out
const applyReadOnly = () => {
  const readOnly = session.readOnly()
  document.body.classList.toggle('read-only', readOnly)
  $('read-only-banner').hidden = !readOnly
}

const showApp = () => {
  $('login').hidden = true
  $('nav').hidden = false
  $('session').hidden = false
  applyReadOnly()
  live.start()
  void counts.refresh()
  void render()
}

const showLogin = (message = '') => {
  $('nav').hidden = true
  platformBanner.hidden = true
  bannerFor = ''
  $('session').hidden = true
  $('read-only-banner').hidden = true
  $('view').replaceChildren()
  $('login').hidden = false
  $('login-error').textContent = message
  document.title = 'Sign in · gz-halo-relay'
  $('login-token').value = ''
  $('login-token').focus()
}

function signOut(message) {
  live.stop()
  session.signOut()
  for (const cleanup of cleanups.splice(0)) cleanup()
  showLogin(message)
}

onAuthProblem('unauthorized', (error) => signOut(`Signed out: ${error.message}.`))
onAuthProblem('forbidden', () => {
  session.markReadOnly()
  applyReadOnly()
})

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const token = $('login-token').value.trim()
  const error = $('login-error')
  if (!token) {
    error.textContent = 'Enter an API token.'
    return
  }
  const button = event.target.querySelector('button[type=submit]')
  button.disabled = true
  error.textContent = ''
  try {
    // Any read answers whether the token is valid; the count is needed next anyway.
    await api.get('/api/events/count', { token, quiet: true })
    session.signIn(token)
    showApp()
  } catch (failure) {
    error.textContent = `Not signed in: ${failure.message}.`
    $('login-token').select()
  } finally {
    button.disabled = false
  }
})

$('logout').addEventListener('click', () => signOut(''))

if (session.token()) showApp()
else showLogin()
// #endregion
