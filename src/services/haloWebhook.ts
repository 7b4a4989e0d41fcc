import type { EventStore } from '../store/port.js'
import { lastFact } from '../store/lastFact.js'
import { metadataFor } from '../domain/metadata.js'
import { asFact, type DomainFact, type Fact, type FactData } from '../domain/facts.js'
import { newId } from '../domain/ids.js'
import { streams } from '../domain/streams.js'
import type { HaloPsaClient } from '../platforms/halopsa/client.js'
import type { HaloWebhook } from '../platforms/halopsa/schemas.js'
import { haloWebhookEventNames } from '../platforms/halopsa/webhookPayload.js'
import { findWebhook, webhookGaps } from '../platforms/halopsa/webhookSetup.js'
import { isPlatformError } from '../platforms/transport/errors.js'
import type { Logger } from '../logger.js'

/**
 * The relay's HaloPSA webhook. Registered through the API with what Halo's `Webhook` schema lets
 * the relay say without guessing (URL, Basic user and password, a notification named "Ticket Status
 * Changed"), then read back: Halo's event numbers and its codes for authentication and payload
 * types are unpublished, so the webhook may need an operator to finish it in Halo
 * (docs/platforms/halopsa-webhook-setup.md). What the read-back lacks is recorded once per change
 * (HaloWebhookRegistrationIncomplete / …Complete) and shown by `state()`. Until then technician
 * closes are still seen, by the inventory poll.
 */

type Missing = FactData<'HaloWebhookRegistrationIncomplete'>['missing']

export type HaloWebhookState =
  | { status: 'unchecked' }
  | { status: 'not-registered'; reason: string }
  | { status: 'complete'; url: string; webhookId: string; checkedAt: string }
  | { status: 'incomplete'; url: string; webhookId?: string; missing: Missing; message?: string; checkedAt: string }

type Recorded = Exclude<HaloWebhookState, { status: 'unchecked' | 'not-registered' }>

export const haloWebhookName = 'gz-halo-relay'

export const createHaloWebhookRegistration = (deps: {
  store: EventStore
  halopsa: HaloPsaClient
  now: () => Date
  credentials?: { user: string; password: string }
  logger?: Logger
}) => {
  let current: HaloWebhookState = { status: 'unchecked' }
  let lastUrl: string | undefined

  /** Halo's refusal as text, with the webhook password masked should Halo ever echo it. */
  const masked = (text: string) => (deps.credentials ? text.split(deps.credentials.password).join('********') : text)

  /** Whether the stream's last fact already says what `state` says. */
  const unchanged = (last: Fact | undefined, state: Recorded): boolean => {
    switch (last?.type) {
      case 'HaloWebhookRegistrationComplete':
        return state.status === 'complete' && last.data.webhookId === state.webhookId
      case 'HaloWebhookRegistrationIncomplete':
        return (
          state.status === 'incomplete' &&
          last.data.webhookId === state.webhookId &&
          JSON.stringify(last.data.missing) === JSON.stringify(state.missing)
        )
      default:
        return false
    }
  }

  const record = async (state: Recorded) => {
    const last = await lastFact(deps.store, streams.haloWebhook())
    if (unchanged(last && asFact(last), state)) return
    const fact: DomainFact =
      state.status === 'complete'
        ? { type: 'HaloWebhookRegistrationComplete', data: { url: state.url, webhookId: state.webhookId } }
        : {
            type: 'HaloWebhookRegistrationIncomplete',
            data: {
              url: state.url,
              ...(state.webhookId !== undefined ? { webhookId: state.webhookId } : {}),
              missing: state.missing,
              ...(state.message !== undefined ? { message: state.message } : {})
            }
          }
    await deps.store.append(streams.haloWebhook(), [
      { id: newId(), ...fact, metadata: metadataFor({ actor: 'relay', correlationId: newId() }, deps.now()) }
    ])
    if (state.status === 'incomplete')
      deps.logger?.warn(
        { url: state.url, missing: state.missing },
        'the HaloPSA webhook needs finishing in HaloPSA (docs/platforms/halopsa-webhook-setup.md)'
      )
  }

  const settle = async (url: string, webhook: HaloWebhook | undefined, message?: string) => {
    const checkedAt = deps.now().toISOString()
    const missing: Missing = webhook
      ? webhookGaps(webhook, deps.credentials ? { username: deps.credentials.user } : {})
      : ['webhook']
    const state: HaloWebhookState =
      missing.length === 0 && webhook
        ? { status: 'complete', url, webhookId: webhook.id, checkedAt }
        : {
            status: 'incomplete',
            url,
            ...(webhook ? { webhookId: webhook.id } : {}),
            missing,
            ...(message !== undefined ? { message } : {}),
            checkedAt
          }
    await record(state)
    current = state
    return state
  }

  const register = async (url: string): Promise<HaloWebhookState> => {
    lastUrl = url
    const existing = findWebhook(await deps.halopsa.webhooks.list(), url)
    let id = existing?.id
    if (!existing) {
      if (!deps.credentials) {
        current = { status: 'not-registered', reason: 'no webhook user and password are configured' }
        return current
      }
      try {
        id = (
          await deps.halopsa.webhooks.create({
            name: haloWebhookName,
            url,
            events: [haloWebhookEventNames.ticketStatusChangedLabel],
            basicAuth: { username: deps.credentials.user, password: deps.credentials.password },
            active: true
          })
        ).id
      } catch (error) {
        // A refusal is the operator's to fix by hand; a transient failure is tried again next time.
        if (!isPlatformError(error) || error.transient) throw error
        return settle(url, undefined, masked(`HaloPSA refused to create the webhook: ${error.message}`))
      }
    }
    return settle(url, (await deps.halopsa.webhooks.get(id!)) ?? undefined)
  }

  return {
    register,
    /** Reads the webhook back again (registering it if it has gone). */
    check: (): Promise<HaloWebhookState> => (lastUrl === undefined ? Promise.resolve(current) : register(lastUrl)),
    state: (): HaloWebhookState => current
  }
}

export type HaloWebhookRegistration = ReturnType<typeof createHaloWebhookRegistration>
