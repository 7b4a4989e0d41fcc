import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { readFile, readdir } from 'node:fs/promises'
import { extname, join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ApiError } from '../errors.js'
import { sendApiError } from '../plugins/errorHandler.js'

/**
 * The dashboard (docs/operations.md#the-dashboard): static files from src/web served at `/`
 * (index.html) and `/assets/…`. The files are few and small, so they are read once at start-up,
 * with their ETag and a gzip copy; nothing is read from disk per request, and no request path ever
 * reaches the filesystem.
 */

type DashboardOptions = {
  /** The folder holding index.html and assets/; defaults to src/web beside this code. */
  root?: string
}

/**
 * No inline script or style anywhere, and the page talks only to this origin: the token lives in
 * sessionStorage, so an injected script is the one way to steal it (OWASP CSP cheat sheet).
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'"
].join('; ')

/**
 * The same policy for the API's own page at /docs (Swagger UI, served from this process), except
 * that Swagger UI draws its icons from data: URLs and adds one fixed <style> element, allowed by
 * its hash (no 'unsafe-inline'; a browser test fails if an upgrade of Swagger UI changes it).
 */
const swaggerUiStyle = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='"
export const apiDocsPolicy = contentSecurityPolicy
  .replace("img-src 'self'", "img-src 'self' data:")
  .replace("style-src 'self'", `style-src 'self' ${swaggerUiStyle}`)

const securityHeaders = {
  'content-security-policy': contentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin'
}

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2'
}

type StaticFile = { body: Buffer; gzip?: Buffer; etag: string; type: string }

/** src/web beside this module; from dist/src/http/routes, the repository's src/web when dist has no copy. */
const defaultRoot = (): string => {
  const beside = fileURLToPath(new URL('../../web/', import.meta.url))
  if (existsSync(join(beside, 'index.html'))) return beside
  return fileURLToPath(new URL('../../../../src/web/', import.meta.url))
}

const loadFiles = async (root: string): Promise<Map<string, StaticFile>> => {
  const files = new Map<string, StaticFile>()
  const entries = await readdir(root, { recursive: true, withFileTypes: true })
  for (const entry of entries) {
    if (!entry.isFile()) continue
    const type = contentTypes[extname(entry.name)]
    // Only known kinds are served: a stray editor backup or .map never becomes public.
    if (!type) continue
    const path = join(entry.parentPath, entry.name)
    const body = await readFile(path)
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
    const compressible = /^(text\/|application\/(json|manifest)|image\/svg)/.test(type) && body.length > 1024
    files.set(relative(root, path).split(sep).join('/'), {
      body,
      etag,
      type,
      ...(compressible ? { gzip: gzipSync(body, { level: 9 }) } : {})
    })
  }
  if (!files.has('index.html')) throw new Error(`the dashboard has no index.html in ${root}`)
  return files
}

/** True when If-None-Match names this ETag (a list, weak forms and `*` included, RFC 9110 §13.1.2). */
const matches = (header: string | undefined, etag: string): boolean =>
  header !== undefined &&
  header.split(',').some((tag) => {
    const t = tag.trim()
    return t === '*' || t === etag || t === `W/${etag}`
  })

const send = (request: FastifyRequest, reply: FastifyReply, file: StaticFile) => {
  // Asset names carry no content hash (no build step), so every file is revalidated: a 304 costs
  // one round trip and an upgrade never mixes old and new modules.
  reply.headers({
    ...securityHeaders,
    'content-type': file.type,
    'cache-control': 'no-cache',
    etag: file.etag,
    vary: 'accept-encoding'
  })
  if (matches(request.headers['if-none-match'], file.etag)) return reply.code(304).send()
  const gzip = file.gzip && /\bgzip\b/.test(request.headers['accept-encoding'] ?? '')
  if (gzip) reply.header('content-encoding', 'gzip')
  return reply.send(gzip ? file.gzip : file.body)
}

export const dashboardRoutes =
  (options: DashboardOptions = {}) =>
  async (app: FastifyInstance): Promise<void> => {
    const files = await loadFiles(options.root ?? defaultRoot())
    const index = files.get('index.html')!

    app.get('/', { schema: { hide: true } }, async (request, reply) => send(request, reply, index))
    app.get('/index.html', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/', 301))
    app.get('/assets/*', { schema: { hide: true } }, async (request, reply) => {
      const path = (request.params as { '*': string })['*']
      const file = files.get(`assets/${path}`)
      if (!file) return sendApiError(reply, new ApiError('route_not_found', `no dashboard asset ${path}`))
      return send(request, reply, file)
    })
  }
