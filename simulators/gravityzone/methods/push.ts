import { z } from 'zod'
import { isSubscribableEventType, subscribableEventTypes } from '../../../src/platforms/gravityzone/modules.js'
import { makeEvent } from '../events/index.js'
import type { PushSettings } from '../pushSender.js'
import { invalidParams } from '../rpcErrors.js'
import { method, type CallContext, type MethodDef } from './context.js'

/**
 * The `push` API (docs/platforms/gravityzone.md#push-settings), all in the 5 req/min tier. The
 * receiver URL must be HTTPS; plain HTTP is accepted on loopback hosts only, and only when the
 * simulator allows it (tests and the local demo have no certificate).
 */

const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]', '::1'])

const receiverUrl = (ctx: CallContext) =>
  z.string().refine((value) => {
    try {
      const url = new URL(value)
      return (
        url.protocol === 'https:' ||
        (url.protocol === 'http:' && ctx.sim.options.allowHttpLoopbackPush && loopbackHosts.has(url.hostname))
      )
    } catch {
      return false
    }
  })

const settingsSchema = (ctx: CallContext) =>
  z.strictObject({
    status: z.union([z.literal(0), z.literal(1)]),
    serviceType: z.enum(['jsonRPC', 'splunk', 'cef']),
    serviceSettings: z.strictObject({
      url: receiverUrl(ctx),
      requireValidSslCertificate: z.boolean().optional(),
      authorization: z.string().optional(),
      splunkAuthorization: z.string().optional()
    }),
    // Documented as an array; every client and the getter use an object map
    // (docs/platforms/gravityzone.md#push-settings).
    subscribeToEventTypes: z.record(z.string(), z.boolean()),
    // Must include the key's own company and cannot be empty; null or absent means all companies.
    subscribeToCompanies: z
      .array(z.string())
      .min(1)
      .refine(
        (ids) =>
          ids.includes(ctx.key.companyId) && ids.every((id) => ctx.sim.state.companies.isWithin(id, ctx.key.companyId))
      )
      .nullable()
      .optional()
  })

const mask = (value: string | undefined) => (value === undefined ? undefined : '********')

/**
 * The event types Bitdefender's own n8n node offers for sendTestPushEvent: its subscription list
 * plus `device-control`, `hd` and `partner-changed`, without `new-extended-incident`.
 */
export const testEventTypes: readonly string[] = [
  ...subscribableEventTypes.filter((type) => type !== 'new-extended-incident'),
  'device-control'
]

/**
 * Keys outside the published list are refused by name (docs/platforms/gravityzone-fidelity.md, G8).
 * Whether GravityZone checks them, and its wording if it does, are not published: the simulator
 * takes the strict reading, so the relay's retry without the named keys is exercised.
 */
const refuseUnknownTypes = (raw: Record<string, unknown>) => {
  const types = raw.subscribeToEventTypes
  if (types === null || typeof types !== 'object' || Array.isArray(types)) return
  const unknown = Object.keys(types).filter((type) => !isSubscribableEventType(type))
  if (unknown.length > 0)
    throw invalidParams(
      `Invalid value for 'subscribeToEventTypes': unknown event types ${unknown.map((t) => `'${t}'`).join(', ')}`
    )
}

export const pushMethods: Record<string, MethodDef> = {
  setPushEventSettings: method({
    tier: 'push',
    params: z.record(z.string(), z.unknown()),
    handler: (ctx, raw) => {
      refuseUnknownTypes(raw)
      const parsed = settingsSchema(ctx).safeParse(raw)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!
        throw invalidParams(
          issue.code === 'unrecognized_keys'
            ? `Unknown parameter '${issue.keys[0]}'`
            : `Invalid value for '${issue.path.join('.')}'`
        )
      }
      const p = parsed.data
      const settings: PushSettings = {
        status: p.status,
        serviceType: p.serviceType,
        serviceSettings: {
          ...p.serviceSettings,
          requireValidSslCertificate: p.serviceSettings.requireValidSslCertificate ?? true
        },
        subscribeToEventTypes: p.subscribeToEventTypes,
        subscribeToCompanies: p.subscribeToCompanies ?? null
      }
      ctx.sim.senderFor(ctx.key).configure(settings)
      return true
    }
  }),
  getPushEventSettings: method({
    tier: 'push',
    params: z.strictObject({}),
    handler: (ctx) => {
      const settings = ctx.sim.senderFor(ctx.key).settings()
      if (!settings)
        return {
          status: 0,
          serviceType: null,
          serviceSettings: null,
          subscribeToEventTypes: {},
          subscribeToCompanies: null
        }
      const { authorization, splunkAuthorization, ...rest } = settings.serviceSettings
      return {
        ...settings,
        status: ctx.sim.senderFor(ctx.key).status(),
        serviceSettings: {
          ...rest,
          ...(authorization !== undefined ? { authorization: mask(authorization) } : {}),
          ...(splunkAuthorization !== undefined ? { splunkAuthorization: mask(splunkAuthorization) } : {})
        }
      }
    }
  }),
  sendTestPushEvent: method({
    tier: 'push',
    params: z.strictObject({
      eventType: z.string().refine((type) => testEventTypes.includes(type)),
      data: z.record(z.string(), z.unknown()).optional()
    }),
    handler: (ctx, p) => {
      // With the push service off the template is answered and goes nowhere (the sender's filters).
      const sender = ctx.sim.senderFor(ctx.key)
      const company = ctx.sim.state.companies.require(ctx.key.companyId)
      const endpoint = ctx.sim.state.endpoints.ofCompany(company.id)[0]
      const event = makeEvent(
        p.eventType,
        { company, endpoint, at: ctx.sim.clock.now(), seq: ctx.sim.state.nextSeq() },
        { ...p.data, _testEvent_: true }
      )
      // Delivered in the background, like the real service; the answer is the event sent.
      void sender.send([{ event, ownerCompanyId: company.id, test: true }])
      return event
    }
  }),
  getPushEventStats: method({
    tier: 'push',
    params: z.strictObject({}),
    handler: (ctx) => ctx.sim.senderFor(ctx.key).stats()
  }),
  resetPushEventStats: method({
    tier: 'push',
    params: z.strictObject({}),
    handler: (ctx) => (ctx.sim.senderFor(ctx.key).resetStats(), true)
  })
}
