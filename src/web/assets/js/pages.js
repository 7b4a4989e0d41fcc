// The dashboard's pages, in navigation order. Adding a page is one import and one line here (and
// its <link rel="modulepreload"> in index.html): `id` is its route (#/<id>), `label` its entry in
// the navigation, `list` renders #/<id>, `detail` (optional) renders #/<id>/<some id>. A page is
// `async (ctx) => …` rendering into ctx.view (see main.js for what ctx holds).

import eventsPage from './pages/events.js'
import eventPage from './pages/event.js'
import mappingsPage from './pages/mappings.js'
import mappingPage from './pages/mapping.js'
import configurationPage from './pages/configuration.js'
import auditPage from './pages/audit.js'
import billingPage from './pages/billing.js'
import securityEventsPage from './pages/securityEvents.js'
import notificationsPage from './pages/notifications.js'

export const pages = [
  { id: 'events', label: 'Events', list: eventsPage, detail: eventPage },
  { id: 'mappings', label: 'Mappings', list: mappingsPage, detail: mappingPage },
  { id: 'configuration', label: 'Configuration', list: configurationPage },
  { id: 'security-events', label: 'Security events', list: securityEventsPage },
  { id: 'notifications', label: 'Notifications', list: notificationsPage },
  { id: 'audit', label: 'Audit', list: auditPage },
  { id: 'billing', label: 'Billing', list: billingPage }
]
