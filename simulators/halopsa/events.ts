import type { Row, SimData } from './state.js'

/**
 * The simulated instance's notification events and webhook settings.
 *
 * A Halo webhook fires for the notifications (`UnameNotification` rows) in its `events`; which
 * event a notification is for is its `eventno`. Halo does not publish the event numbers, nor the
 * integer codes of a webhook's `payload_type` and `authentication_type`, so the numbers below are
 * the simulator's own: a client cannot know them, exactly as against a real instance, and a webhook
 * registered through the API fires only once it is finished "by hand" (`finishWebhook`, what an
 * operator does in Halo's webhook screen). The event names are those Halo's payloads carry.
 */

export const simEvents = {
  newTicket: { eventno: 1, name: 'New Ticket Logged', event: 'new ticket logged' },
  ticketUpdated: { eventno: 2, name: 'Ticket Updated', event: 'ticket updated' },
  ticketDeleted: { eventno: 3, name: 'Ticket Deleted', event: 'ticket deleted' },
  ticketStatusChanged: { eventno: 27, name: 'Ticket Status Changed', event: 'ticket status changed' },
  // Not confirmed in Halo's own docs; sent only when the behaviour switch asks for them.
  clientUpdated: { eventno: 101, name: 'Client Updated', event: 'client updated' },
  clientDeleted: { eventno: 102, name: 'Client Deleted', event: 'client deleted' }
} as const
export type SimEventKey = keyof typeof simEvents
export type SimEvent = (typeof simEvents)[SimEventKey]

/** The simulator's codes for a webhook's payload type and authentication. */
export const simPayloadTypes = { small: 0, full: 1, 'event-only': 2 } as const
export type SimPayloadType = keyof typeof simPayloadTypes
export const simAuthenticationTypes = { none: 0, basic: 1 } as const

/** The `events` of a posted webhook as Halo keeps them: each with an id and its webhook; eventno as given. */
export const storedEvents = (data: SimData, events: unknown, webhookId: string): Row[] =>
  (Array.isArray(events) ? events : [])
    .filter((e): e is Row => typeof e === 'object' && e !== null && !Array.isArray(e))
    .map((e) => ({
      ...e,
      id: typeof e.id === 'number' && e.id > 0 ? e.id : data.nextNotificationId(),
      eventno: typeof e.eventno === 'number' ? e.eventno : null,
      webhook_id: webhookId
    }))

/** The notification Halo's webhook screen adds when an operator picks an event. */
export const pickedEvent = (data: SimData, key: SimEventKey, webhookId: string): Row => ({
  id: data.nextNotificationId(),
  name: simEvents[key].name,
  eventno: simEvents[key].eventno,
  type: 0,
  webhook_id: webhookId
})
