import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import t from 'tap'
import { contentSecurityPolicy } from '../../src/http/routes/dashboard.js'
import { auth } from '../support/app.js'
import { startDashboardRelay } from './support/relay.js'

// Given the relay with the dashboard plugin, when a browser asks for the page and its assets, then
// each comes with its content type, revalidation caching and a strict CSP, and the API is unchanged.

const ctx = await startDashboardRelay()
t.teardown(ctx.close)
const webRoot = join(process.cwd(), 'src', 'web')

t.test('the page is served at / with no-cache, an ETag and the security headers', async (t) => {
  const res = await ctx.app.inject({ method: 'GET', url: '/' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/html; charset=utf-8')
  t.equal(res.headers['cache-control'], 'no-cache')
  t.match(res.headers.etag, /^"[\w-]{27}"$/)
  t.equal(res.headers['content-security-policy'], contentSecurityPolicy)
  t.match(contentSecurityPolicy, /default-src 'none'/)
  t.match(contentSecurityPolicy, /script-src 'self';/)
  t.notMatch(contentSecurityPolicy, /unsafe-inline|unsafe-eval/)
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  t.equal(res.headers['x-frame-options'], 'DENY')
  t.equal(res.headers['referrer-policy'], 'no-referrer')
  t.equal(res.body, await readFile(join(webRoot, 'index.html'), 'utf8'))
  t.notOk(res.headers['www-authenticate'], 'the page itself needs no token')

  const again = await ctx.app.inject({
    method: 'GET',
    url: '/',
    headers: { 'if-none-match': res.headers.etag as string }
  })
  t.equal(again.statusCode, 304)
  t.equal(again.body, '')
  t.equal(again.headers.etag, res.headers.etag)
  t.equal(
    (await ctx.app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': `"x", W/${res.headers.etag}` } }))
      .statusCode,
    304,
    'a weak or listed ETag matches too'
  )
  t.equal((await ctx.app.inject({ method: 'GET', url: '/', headers: { 'if-none-match': '"stale"' } })).statusCode, 200)
  const head = await ctx.app.inject({ method: 'HEAD', url: '/' })
  t.equal(head.statusCode, 200)
  t.equal(head.body, '')
  const legacy = await ctx.app.inject({ method: 'GET', url: '/index.html' })
  t.equal(legacy.statusCode, 301)
  t.equal(legacy.headers.location, '/')
})

t.test('the page has no inline script or style, and loads only its own assets', async (t) => {
  const html = await readFile(join(webRoot, 'index.html'), 'utf8')
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)]
  t.ok(scripts.length > 0)
  for (const [, attributes, body] of scripts) {
    t.match(attributes, /src="\/assets\//, 'every script is a file of ours')
    t.equal(body!.trim(), '', 'and has no inline code')
  }
  t.notMatch(html, /\sstyle=|<style|\son[a-z]+=/i, 'no inline styles or handlers')
  t.notMatch(html, /https?:\/\//, 'nothing from another origin')
  const js = await readdir(join(webRoot, 'assets', 'js'), { recursive: true })
  const preloaded = [...html.matchAll(/<link rel="modulepreload" href="\/assets\/js\/([^"]+)">/g)]
    .map((m) => m[1])
    .sort()
  t.same(
    preloaded,
    js
      .filter((f) => f.endsWith('.js'))
      .map((f) => f.split('\\').join('/'))
      .sort(),
    'every module is preloaded, so none waits for its importer'
  )
  for (const file of js.filter((f) => f.endsWith('.js'))) {
    const source = (await readFile(join(webRoot, 'assets', 'js', file), 'utf8')).replace(
      /\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm,
      ''
    )
    t.notMatch(
      source,
      /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|localStorage|document\.cookie/,
      `${file} builds the DOM from text and keeps no token beyond the tab`
    )
  }
})

t.test('every asset is served under /assets with its content type; text is gzipped when asked', async (t) => {
  const expected: Record<string, string> = {
    '/assets/js/main.js': 'text/javascript; charset=utf-8',
    '/assets/js/pages/events.js': 'text/javascript; charset=utf-8',
    '/assets/css/app.css': 'text/css; charset=utf-8',
    '/assets/favicon.svg': 'image/svg+xml'
  }
  for (const [url, type] of Object.entries(expected)) {
    const res = await ctx.app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 200, url)
    t.equal(res.headers['content-type'], type, url)
    t.equal(res.headers['cache-control'], 'no-cache', url)
    t.equal(res.body, await readFile(join(webRoot, url), 'utf8'), url)
  }
  const zipped = await ctx.app.inject({
    method: 'GET',
    url: '/assets/css/app.css',
    headers: { 'accept-encoding': 'gzip, br' }
  })
  t.equal(zipped.headers['content-encoding'], 'gzip')
  t.equal(zipped.headers.vary, 'accept-encoding')
  t.equal(gunzipSync(zipped.rawPayload).toString('utf8'), await readFile(join(webRoot, 'assets/css/app.css'), 'utf8'))
  t.ok(zipped.rawPayload.length < (await readFile(join(webRoot, 'assets/css/app.css'))).length / 2)
})

t.test("unknown assets answer the API's 404, and no path reaches a file outside the dashboard", async (t) => {
  for (const url of [
    '/assets/nope.js',
    '/assets/',
    '/assets/js/main.js.map',
    '/assets/%2e%2e/%2e%2e/package.json',
    '/assets/js/../../../src/app.ts'
  ]) {
    const res = await ctx.app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 404, url)
    t.equal(res.json().error.code, 'route_not_found', url)
  }
  // Dot segments are resolved before routing: this one is just /index.html.
  const dots = await ctx.app.inject({ method: 'GET', url: '/assets/../index.html' })
  t.equal(dots.statusCode, 301)
  t.equal(dots.headers.location, '/')
})

t.test('the API beside the dashboard is unchanged: it still needs its token', async (t) => {
  t.equal((await ctx.app.inject({ method: 'GET', url: '/api/events/count' })).statusCode, 401)
  t.equal((await ctx.app.inject({ method: 'GET', url: '/api/events/count', headers: auth() })).statusCode, 200)
  t.equal((await ctx.app.inject({ method: 'GET', url: '/health' })).statusCode, 200)
})
