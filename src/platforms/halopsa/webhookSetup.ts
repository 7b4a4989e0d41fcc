import type { HaloWebhook } from './schemas.js'

/**
 * What the relay's webhook, as Halo shows it back, lacks. Halo identifies a webhook's events by
 * unpublished event numbers and does not publish its codes for authentication or payload types,
 * so only what can be read without guessing is checked: a notification named like "Ticket Status
 * Changed" that carries an event number (what Halo's webhook screen stores; the relay's own
 * name-only entry has none), the Basic user, and that it is not switched off. The user and the
 * switches count only when Halo shows them; a read-back without events counts as lacking the event,
 * so the operator is asked to look rather than told all is well.
 */

export type WebhookGap = 'ticket-status-event' | 'basic-auth' | 'active'

const statusChanged = /ticket\s*status\s*chang/i

export const webhookGaps = (webhook: HaloWebhook, expected: { username?: string }): WebhookGap[] => {
  const gaps: WebhookGap[] = []
  if (!webhook.events.some((e) => e.eventNo !== null && statusChanged.test(e.name ?? '')))
    gaps.push('ticket-status-event')
  if (expected.username !== undefined && webhook.basicUsername !== null && webhook.basicUsername !== expected.username)
    gaps.push('basic-auth')
  if (webhook.active === false || webhook.disabled === true) gaps.push('active')
  return gaps
}

/** The relay's webhook among Halo's entries: the one pointing at `url` (case and trailing slash aside). */
export const findWebhook = (webhooks: HaloWebhook[], url: string): HaloWebhook | undefined => {
  const norm = (u: string) => u.trim().replace(/\/+$/, '').toLowerCase()
  return webhooks.find((w) => w.url !== null && norm(w.url) === norm(url))
}
