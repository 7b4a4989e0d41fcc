import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { SimContext } from './context.js'
import type { Area } from './resource.js'

/**
 * Halo's authorisation server and Bearer check (docs/platforms/halopsa.md#authentication): client
 * credentials on `/auth/token` (form-encoded; `?tenant=` on a hosted instance), discovery on
 * `/api/authinfo`, tokens that expire or can be revoked early, and scopes enforced per resource.
 */

type Token = { expiresAt: number; scopes: Set<string>; revoked: boolean }

export type TokenStore = {
  /** Revoke every issued token now (the next call with one gets a 401). */
  revokeAll(): number
  /** Every token issued so far (tests check that none leaks into errors or logs). */
  issued(): string[]
}

const same = (a: string, b: string) => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Whether granted scopes allow `read`/`edit` (or admin) on an area; `all` allows everything. */
export const scopeAllows = (granted: Set<string>, area: Area, write: boolean): boolean => {
  if (granted.has('all')) return true
  if (area.admin) return granted.has('admin') || granted.has(`admin:${area.area}`)
  if (granted.has('all:standard')) return true
  return granted.has(`edit:${area.area}`) || (!write && granted.has(`read:${area.area}`))
}

const baseUrl = (request: FastifyRequest) => `${request.protocol}://${request.headers.host ?? request.hostname}`

export const installAuth = (app: FastifyInstance, ctx: SimContext): TokenStore => {
  const tokens = new Map<string, Token>()
  const granted = new Set(ctx.behaviour.grantedScopes)

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))))
  })

  app.get('/api/authinfo', async (request) => ({
    auth_url: `${baseUrl(request)}/auth`,
    tenant_id: ctx.behaviour.tenant ?? ''
  }))
  app.get('/auth/.well-known/openid-configuration', async (request) => ({
    issuer: `${baseUrl(request)}/auth`,
    token_endpoint: `${baseUrl(request)}/auth/token`,
    grant_types_supported: ['client_credentials']
  }))

  app.post('/auth/token', async (request, reply) => {
    const form = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<
      string,
      string
    >
    if (!String(request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return reply
        .code(400)
        .send({ error: 'invalid_request', error_description: 'The token request must be form-encoded' })
    }
    if (form.grant_type !== 'client_credentials') return reply.code(400).send({ error: 'unsupported_grant_type' })
    const tenant = (request.query as Record<string, string | undefined>).tenant
    if (ctx.behaviour.tenant !== undefined) {
      if (tenant === undefined)
        return reply.code(400).send({ error: 'invalid_request', error_description: 'tenant is required' })
      if (tenant.toLowerCase() !== ctx.behaviour.tenant.toLowerCase())
        return reply.code(401).send({ error: 'invalid_client' })
    }
    if (
      !same(form.client_id ?? '', ctx.behaviour.clientId) ||
      !same(form.client_secret ?? '', ctx.behaviour.clientSecret)
    ) {
      return reply.code(401).send({ error: 'invalid_client' })
    }
    // The request can only narrow what the application was granted.
    const requested = (form.scope ?? '').split(' ').filter((s) => s !== '')
    const notGranted = requested.filter((s) => !granted.has(s) && !granted.has('all'))
    if (notGranted.length > 0)
      return reply.code(400).send({ error: 'invalid_scope', error_description: `not granted: ${notGranted.join(' ')}` })
    const scopes = requested.length > 0 ? new Set(requested) : new Set(granted)
    const token = randomBytes(32).toString('base64url')
    tokens.set(token, { expiresAt: ctx.clock.now() + ctx.behaviour.tokenLifetimeS * 1000, scopes, revoked: false })
    return {
      access_token: token,
      token_type: 'Bearer',
      expires_in: ctx.behaviour.tokenLifetimeS,
      scope: [...scopes].join(' ')
    }
  })

  app.addHook('preHandler', async (request, reply) => {
    const path = request.url.split('?')[0]!.toLowerCase()
    if (!path.startsWith('/api/') || path === '/api/authinfo') return
    const header = request.headers.authorization ?? ''
    const token = /^Bearer (.+)$/i.exec(header)?.[1]
    const found = token === undefined ? undefined : tokens.get(token)
    if (!found || found.revoked || ctx.clock.now() >= found.expiresAt) {
      return reply.code(401).header('www-authenticate', 'Bearer error="invalid_token"').send()
    }
    const area = (request.routeOptions.config as { halo?: Area }).halo
    if (area && !scopeAllows(found.scopes, area, request.method !== 'GET')) {
      const needed = area.admin ? `admin:${area.area}` : `${request.method === 'GET' ? 'read' : 'edit'}:${area.area}`
      return reply
        .code(403)
        .send({ ClassName: 'HaloForbidden', Message: `The application is missing the ${needed} scope` })
    }
  })

  return {
    revokeAll() {
      let n = 0
      for (const t of tokens.values()) {
        if (t.revoked) continue
        t.revoked = true
        n++
      }
      return n
    },
    issued: () => [...tokens.keys()]
  }
}
