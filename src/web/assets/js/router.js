// Hash routes: #/events, #/events/<id>, #/mappings, #/mappings/<id>, #/configuration, #/audit.
// Filters ride along as a query (#/events?status=all&category=billing) so Back and a reload keep them.

import { query } from './api.js'

/** The current route: its path segments and query parameters. */
export const currentRoute = () => {
  const hash = location.hash.replace(/^#/, '') || '/events'
  const [path, search = ''] = hash.split('?')
  const segments = path
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s))
  return { segments, params: Object.fromEntries(new URLSearchParams(search)) }
}

/** '#/events/abc?x=1' from ('/events/abc', { x: 1 }); ids are encoded. */
export const hashFor = (path, params = {}) => `#${path}${query(params)}`

export const eventHref = (id) => hashFor(`/events/${encodeURIComponent(id)}`)
export const mappingHref = (id) => hashFor(`/mappings/${encodeURIComponent(id)}`)

let flash = ''
/** A message for the next page to announce (e.g. "Mapping deleted" after leaving the deleted mapping). */
export const flashNext = (message) => {
  flash = message
}
export const takeFlash = () => {
  const message = flash
  flash = ''
  return message
}
