import t from 'tap'
import { EventAction, EventCategory, eventCatalogue, eventTypeIds } from '../../src/domain/integrationEvents.js'
import { factTypes } from '../../src/domain/facts.js'
import { streams } from '../../src/domain/streams.js'
import { securityModules } from '../../src/platforms/gravityzone/modules.js'

/**
 * The dashboard names what it shows in its own module (src/web/assets/js/catalogue.js, served
 * as-is to the browser). These checks keep it in step with the domain's catalogue, so a renamed
 * event, a new category or a new action cannot reach one side only.
 */

type DashboardCatalogue = {
  categories: { id: string; label: string }[]
  eventTypes: { id: string; category: string; title: string }[]
  actionLabels: Record<string, string>
  actionBusyLabels: Record<string, string>
  securityModules: { id: string; label: string }[]
  factTypes: string[]
  streamCategories: string[]
}

// Imported as the browser imports it; a URL keeps the type checker out of the plain JavaScript.
const dashboard = (await import(
  new URL('../../src/web/assets/js/catalogue.js', import.meta.url).href
)) as DashboardCatalogue

t.test('the dashboard lists the same event types, in the same order, with their categories and titles', async (t) => {
  t.same(
    dashboard.eventTypes.map((e) => e.id),
    [...eventTypeIds]
  )
  for (const id of eventTypeIds) {
    const shown = dashboard.eventTypes.find((e) => e.id === id)
    t.same(
      { category: shown?.category, title: shown?.title },
      { category: eventCatalogue[id].category, title: eventCatalogue[id].title },
      id
    )
  }
})

t.test('the dashboard has a filter for every event category, and only for those', async (t) => {
  t.same(
    dashboard.categories.map((c) => c.id),
    EventCategory.options
  )
})

t.test('every action an event offers has a button label and a busy label, and no other action has', async (t) => {
  t.same(Object.keys(dashboard.actionLabels).sort(), [...EventAction.options].sort())
  t.same(Object.keys(dashboard.actionBusyLabels).sort(), [...EventAction.options].sort())
  const offered = new Set(Object.values(eventCatalogue).flatMap((e) => e.actions))
  for (const action of offered) t.ok(dashboard.actionLabels[action], `${action} has a label`)
})

t.test("the ticketing form's modules are GravityZone's security modules", async (t) => {
  t.same(
    dashboard.securityModules.map((m) => m.id),
    [...securityModules]
  )
})

t.test("the audit page's suggestions name fact types and stream categories the relay records", async (t) => {
  const unknownTypes = dashboard.factTypes.filter((type) => !(factTypes as string[]).includes(type))
  t.same(unknownTypes, [], 'every suggested fact type is in the catalogue')
  const unknownStreams = dashboard.streamCategories.filter((category) => !Object.hasOwn(streams, category))
  t.same(unknownStreams, [], 'every suggested stream category is a stream the relay writes')
})
