import type { EventStore } from '../store/port.js'
import { lastFact } from '../store/lastFact.js'
import { metadataFor } from '../domain/metadata.js'
import { asFact, type FactData } from '../domain/facts.js'
import { newId } from '../domain/ids.js'
import { streams } from '../domain/streams.js'
import type { GravityZoneClient } from '../platforms/gravityzone/client.js'
import { isSubscribableEventType, namedEventTypes, securityModules } from '../platforms/gravityzone/modules.js'
import type { PushEventSettingsInput } from '../platforms/gravityzone/schemas.js'
import { isPlatformError } from '../platforms/transport/errors.js'
import type { HaloPsaClient } from '../platforms/halopsa/client.js'
import type { Logger } from '../logger.js'
import { createHaloWebhookRegistration } from './haloWebhook.js'

/**
 * The two webhooks the relay depends on. When PUBLIC_URL is known, the relay registers its
 * GravityZone push settings and its HaloPSA webhook itself. The watchdog (beyond the vendor's
 * integration) notices when GravityZone has switched the push service off — it does so after 100
 * failed deliveries or 3 hours without a success
 * (docs/platforms/gravityzone.md#switch-off-after-failed-deliveries) — and re-arms it, within the
 * push API's 5 calls per minute (the client's limiter), recording each re-arm as a fact.
 */

/**
 * Every security module and the lifecycle events the relay keeps, limited to the keys a public
 * source subscribes to (docs/platforms/gravityzone-fidelity.md, G8): no `device-control` or
 * `storage-antimalware`.
 */
export const pushEventTypes = Object.fromEntries(
  [
    ...securityModules.filter(isSubscribableEventType),
    'install',
    'uninstall',
    'modules',
    'endpoint-moved-in',
    'endpoint-moved-out',
    'partner-changed'
  ].map((m) => [m, true])
)

export const createPushService = (deps: {
  store: EventStore
  gravityzone: GravityZoneClient
  halopsa: HaloPsaClient
  /** The exact Authorization value GravityZone must send (GZ_PUSH_AUTHORIZATION). */
  pushAuthorization: string
  /** PUBLIC_URL: where GravityZone and HaloPSA reach the relay. */
  publicUrl?: string
  haloWebhook?: { user: string; password: string }
  now?: () => Date
  logger?: Logger
}) => {
  const now = deps.now ?? (() => new Date())
  let publicUrl = deps.publicUrl?.replace(/\/+$/, '')
  /** Event types GravityZone refused at the last registration (also a PushSubscriptionKeysDropped fact). */
  let droppedEventTypes: string[] = []
  const urls = () => ({
    pushUrl: publicUrl ? `${publicUrl}/webhooks/gravityzone` : undefined,
    haloUrl: publicUrl ? `${publicUrl}/webhooks/halopsa` : undefined
  })

  const settingsFor = (url: string) => ({
    status: 1 as const,
    serviceType: 'jsonRPC' as const,
    serviceSettings: {
      url,
      requireValidSslCertificate: url.startsWith('https:'),
      authorization: deps.pushAuthorization
    },
    subscribeToEventTypes: pushEventTypes
  })

  const haloWebhook = createHaloWebhookRegistration({
    store: deps.store,
    halopsa: deps.halopsa,
    now,
    ...(deps.haloWebhook ? { credentials: deps.haloWebhook } : {}),
    ...(deps.logger ? { logger: deps.logger } : {})
  })

  const record = async <T extends 'PushServiceRearmed' | 'PushServiceChecked' | 'PushSubscriptionKeysDropped'>(
    type: T,
    data: FactData<T>
  ) =>
    deps.store.append(streams.pushService(), [
      { id: newId(), type, data, metadata: metadataFor({ actor: 'relay', correlationId: newId() }, now()) }
    ])

  const unexpected = (answer: string) =>
    deps.logger?.warn({ answer }, 'GravityZone stored the push settings but answered an unexpected result')

  /**
   * Stores the settings. When GravityZone refuses them naming event types it does not know, stores
   * them once more without those (G8) and records which were dropped. A result of an unexpected
   * shape once the settings are stored (G9) is logged, not an error.
   */
  const storeSettings = async (settings: PushEventSettingsInput): Promise<void> => {
    const types = settings.subscribeToEventTypes
    let refused: string[] = []
    let reason = ''
    try {
      const stored = await deps.gravityzone.setPushEventSettings(settings)
      if (!stored.acknowledged) unexpected(stored.answer)
      droppedEventTypes = []
      return
    } catch (error) {
      if (!isPlatformError(error) || (error.kind !== 'rejected' && error.kind !== 'rpc')) throw error
      reason = typeof error.details === 'string' ? error.details : error.message
      refused = namedEventTypes(reason, Object.keys(types))
      if (refused.length === 0) throw error
    }
    const kept = Object.fromEntries(Object.entries(types).filter(([type]) => !refused.includes(type)))
    const stored = await deps.gravityzone.setPushEventSettings({ ...settings, subscribeToEventTypes: kept })
    if (!stored.acknowledged) unexpected(stored.answer)
    const dropped = refused.slice(0, 64)
    droppedEventTypes = dropped
    reason = reason.split(deps.pushAuthorization).join('[redacted]').slice(0, 400)
    await record('PushSubscriptionKeysDropped', { dropped, subscribed: Object.keys(kept).slice(0, 64), reason })
    deps.logger?.warn({ dropped, reason }, 'GravityZone refused some push event types; subscribed without them')
  }

  const lastWasCheck = async (status: number): Promise<boolean> => {
    const last = await lastFact(deps.store, streams.pushService())
    const fact = last && asFact(last)
    return fact?.type === 'PushServiceChecked' && fact.data.status === status
  }

  return {
    /**
     * Registers the push settings and the HaloPSA webhook (when PUBLIC_URL is set, or given here,
     * e.g. once a port chosen at random is known); safe to repeat.
     */
    async register(at?: string): Promise<{ push: boolean; halopsa: boolean }> {
      if (at !== undefined) publicUrl = at.replace(/\/+$/, '')
      const { pushUrl, haloUrl } = urls()
      if (!pushUrl || !haloUrl) return { push: false, halopsa: false }
      await storeSettings(settingsFor(pushUrl))
      const halo = await haloWebhook.register(haloUrl)
      deps.logger?.info(
        { push: pushUrl, halopsa: haloUrl, halopsaWebhook: halo.status },
        "registered the relay's webhooks with GravityZone and HaloPSA"
      )
      return { push: true, halopsa: halo.status !== 'not-registered' }
    },

    /**
     * The HaloPSA webhook as last read back: complete, incomplete (with what is missing: an operator
     * finishes it in HaloPSA), not registered, or not checked yet. The facts are in the audit log.
     */
    haloWebhookState: () => haloWebhook.state(),

    /** Event types GravityZone refused at the last registration: their events never reach the relay. */
    droppedEventTypes: (): readonly string[] => droppedEventTypes,

    /** Reads the HaloPSA webhook back again (e.g. after an operator finished it) and records any change. */
    checkHaloWebhook: () => haloWebhook.check(),

    /**
     * Re-arms the push service if GravityZone switched it off; records what it did. While the
     * HaloPSA webhook is incomplete, also reads it back, so an operator's fix shows up by itself.
     */
    async watch(): Promise<{ status: 0 | 1; rearmed: boolean }> {
      if (haloWebhook.state().status === 'incomplete')
        await haloWebhook
          .check()
          .catch((error: unknown) => deps.logger?.warn({ err: error }, 'could not read the HaloPSA webhook back'))
      const settings = await deps.gravityzone.getPushEventSettings()
      if (settings.status === 1) return { status: 1, rearmed: false }
      // The current settings hide the authorization ("********"); the relay knows its own.
      const url = urls().pushUrl ?? settings.serviceSettings?.url ?? undefined
      if (!url) {
        // Recorded once per change: a watchdog that keeps finding the same state appends nothing new.
        if (!(await lastWasCheck(settings.status))) await record('PushServiceChecked', { status: settings.status })
        deps.logger?.warn({}, 'the GravityZone push service is off and no URL is known to re-arm it (set PUBLIC_URL)')
        return { status: 0, rearmed: false }
      }
      await storeSettings({
        ...settingsFor(url),
        // What GravityZone kept (less any key it refused); the relay's own list when it kept none.
        subscribeToEventTypes:
          Object.keys(settings.subscribeToEventTypes ?? {}).length > 0
            ? settings.subscribeToEventTypes!
            : pushEventTypes,
        ...(settings.subscribeToCompanies ? { subscribeToCompanies: settings.subscribeToCompanies } : {})
      })
      await record('PushServiceRearmed', {
        previousStatus: settings.status,
        url,
        reason: 'GravityZone had switched the push service off (status 0)'
      })
      deps.logger?.warn({ url }, 'the GravityZone push service was off; re-armed it')
      return { status: 0, rearmed: true }
    }
  }
}

export type PushService = ReturnType<typeof createPushService>
