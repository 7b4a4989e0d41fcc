import { isDeepStrictEqual } from 'node:util'
import { z } from 'zod'
import type { Decider } from '../../domain/decider.js'
import { DomainError } from '../../domain/errors.js'
import { domainFact, type FactData } from '../../domain/facts.js'
import type { Cause } from '../../domain/metadata.js'
import { streams } from '../../domain/streams.js'
import type { CommandHandler } from '../commandHandler.js'
import type { SecretBox } from './secrets.js'

/**
 * The notification targets (`PUT /api/config/notifications`): a fact in `notificationConfig-main`,
 * secrets sealed before they enter it (secrets.ts). `GET` shows them masked; a PUT that sends the
 * mask back keeps the stored secret of the target with that name.
 */

export const SECRET_MASK = '********'

const HttpUrl = z
  .string()
  .max(2000)
  .refine((v) => {
    try {
      const u = new URL(v)
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.username === '' && u.password === ''
    } catch {
      return false
    }
  }, 'must be an http(s) URL without credentials in it')

export const NotificationTarget = z
  .object({
    name: z.string().min(1).max(64),
    url: HttpUrl,
    format: z.enum(['json', 'teams', 'slack']),
    secret: z
      .string()
      .max(256)
      .refine((s) => s === SECRET_MASK || s.length >= 16, 'a secret has at least 16 characters')
      .optional(),
    on: z
      .array(z.enum(['raised', 'closed', 'platform']))
      .min(1)
      .max(3)
      .refine((on) => new Set(on).size === on.length, 'each of raised, closed, platform at most once')
  })
  .strict()

export const NotificationSettings = z
  .object({ targets: z.array(NotificationTarget).max(20) })
  .strict()
  .refine((s) => new Set(s.targets.map((t) => t.name)).size === s.targets.length, 'two targets have the same name')
export type NotificationSettings = z.infer<typeof NotificationSettings>

export type StoredTarget = FactData<'NotificationsConfigured'>['targets'][number]
type SettingsState = { targets: StoredTarget[]; since?: Date }
type SettingsCommand = { type: 'Configure'; data: FactData<'NotificationsConfigured'> }

export const notificationSettingsDecider: Decider<SettingsCommand, SettingsState> = {
  initialState: () => ({ targets: [] }),
  evolve: (state, fact) =>
    fact.type === 'NotificationsConfigured' ? { targets: fact.data.targets, since: fact.recordedAt } : state,
  decide: (command, state) =>
    state.since !== undefined && isDeepStrictEqual(command.data.targets, state.targets)
      ? []
      : [domainFact('NotificationsConfigured', command.data)]
}

/** A target as the notifier uses it: URL and secret opened (`unreadable`: this key cannot open them). */
export type Target = Omit<StoredTarget, 'sealed' | 'hasSecret'> & {
  url: string
  secret?: string
  unreadable?: true
}

/** What GET shows of a URL: its origin, the rest masked (a webhook URL is a credential). */
export const maskedUrl = (endpoint: string): string => `${endpoint}/${SECRET_MASK}`

const Opened = z.object({ url: z.string(), secret: z.string().optional() })

export const createNotificationSettings = (deps: {
  handler: CommandHandler<SettingsCommand, SettingsState>
  box?: SecretBox
}) => {
  const stream = streams.notificationConfig()

  const open = (target: StoredTarget): z.infer<typeof Opened> | undefined => {
    const text = deps.box?.open(target.sealed)
    if (text === undefined) return undefined
    const parsed = Opened.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : undefined
  }

  const shown = (targets: StoredTarget[]) =>
    targets.map((t) => ({
      name: t.name,
      url: maskedUrl(t.endpoint),
      format: t.format,
      on: t.on,
      ...(t.hasSecret ? { secret: SECRET_MASK } : {})
    }))

  const store = (target: NotificationSettings['targets'][number], current: StoredTarget[]): StoredTarget => {
    const box = deps.box
    if (!box)
      throw new DomainError('invalid_configuration', 'set NOTIFY_SECRET_KEY before configuring notification targets', {
        field: 'targets'
      })
    const before = current.find((c) => c.name === target.name)
    const kept = before ? open(before) : undefined
    const keep = (what: string) => {
      if (!kept)
        throw new DomainError('invalid_configuration', `target ${target.name} has no stored ${what} to keep`, {
          field: what,
          target: target.name
        })
      return kept
    }
    const url = target.url.endsWith(`/${SECRET_MASK}`) ? keep('url').url : target.url
    const secret = target.secret === SECRET_MASK ? keep('secret').secret : target.secret
    return {
      name: target.name,
      endpoint: new URL(url).origin,
      format: target.format,
      on: target.on,
      hasSecret: secret !== undefined,
      sealed: box.seal(JSON.stringify({ url, ...(secret !== undefined ? { secret } : {}) }))
    }
  }

  return {
    async get() {
      return { targets: shown((await deps.handler.load(stream)).targets) }
    },

    async put(settings: NotificationSettings, cause: Cause) {
      const current = (await deps.handler.load(stream)).targets
      const targets = settings.targets.map((t) => store(t, current))
      const result = await deps.handler.handle(stream, { type: 'Configure', data: { targets } }, cause)
      return { targets: shown(result.state.targets) }
    },

    /** The targets opened, and when they were configured (nothing recorded before is sent). */
    async current(): Promise<{ targets: Target[]; since?: Date }> {
      const state = await deps.handler.load(stream)
      return {
        ...(state.since ? { since: state.since } : {}),
        targets: state.targets.map((stored): Target => {
          const { sealed: _sealed, hasSecret: _has, ...t } = stored
          const opened = open(stored)
          return opened
            ? { ...t, url: opened.url, ...(opened.secret !== undefined ? { secret: opened.secret } : {}) }
            : { ...t, url: t.endpoint, unreadable: true }
        })
      }
    }
  }
}

export type NotificationSettingsService = ReturnType<typeof createNotificationSettings>
