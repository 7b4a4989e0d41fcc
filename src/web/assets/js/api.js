// The relay's HTTP API from the browser. The token lives in sessionStorage only: it survives a
// reload of this tab and is gone when the tab closes; it is never put in localStorage or a cookie.

const TOKEN_KEY = 'gz-halo-relay.token'
const READ_ONLY_KEY = 'gz-halo-relay.read-only'
const NAME_KEY = 'gz-halo-relay.name'

export const session = {
  token: () => sessionStorage.getItem(TOKEN_KEY),
  signIn(token) {
    sessionStorage.setItem(TOKEN_KEY, token)
    sessionStorage.removeItem(READ_ONLY_KEY)
  },
  signOut() {
    sessionStorage.removeItem(TOKEN_KEY)
    sessionStorage.removeItem(READ_ONLY_KEY)
    sessionStorage.removeItem(NAME_KEY)
  },
  /** What GET /api/whoami answered: the token's name and scope. */
  setIdentity({ name, scope }) {
    sessionStorage.setItem(NAME_KEY, name)
    if (scope === 'read') sessionStorage.setItem(READ_ONLY_KEY, '1')
    else sessionStorage.removeItem(READ_ONLY_KEY)
  },
  name: () => sessionStorage.getItem(NAME_KEY),
  /** A read token (from /api/whoami, or because an action answered 403). */
  readOnly: () => sessionStorage.getItem(READ_ONLY_KEY) === '1',
  markReadOnly: () => sessionStorage.setItem(READ_ONLY_KEY, '1')
}

/**
 * An error the API answered (`{ error: { code, message, details? } }`, docs/architecture.md#http),
 * or a network failure (status 0).
 */
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details
  }
}

const errorFrom = async (response) => {
  try {
    const body = await response.json()
    if (body && body.error && typeof body.error.message === 'string')
      return new ApiError(response.status, body.error.code, body.error.message, body.error.details)
  } catch {
    // Not the API's error shape (a proxy's page, say): fall through to the status line.
  }
  return new ApiError(
    response.status,
    'http_error',
    `the relay answered ${response.status} ${response.statusText}`.trim()
  )
}

const listeners = { unauthorized: new Set(), forbidden: new Set() }

/** Called with the ApiError whenever any request answers 401 (token gone) or 403 (read scope). */
export const onAuthProblem = (kind, listener) => {
  listeners[kind].add(listener)
  return () => listeners[kind].delete(listener)
}

/** One request with the session's token; resolves to the parsed body (null for 204), rejects with ApiError. */
export const request = async (method, path, { body, token = session.token(), signal, quiet = false } = {}) => {
  const headers = { accept: 'application/json' }
  if (token) headers.authorization = `Bearer ${token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  let response
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      cache: 'no-store'
    })
  } catch (error) {
    if (error && error.name === 'AbortError') throw error
    throw new ApiError(0, 'network_error', 'the relay did not answer; check that it is running')
  }
  if (!response.ok) {
    const error = await errorFrom(response)
    if (!quiet && response.status === 401) for (const listener of listeners.unauthorized) listener(error)
    if (!quiet && response.status === 403) for (const listener of listeners.forbidden) listener(error)
    throw error
  }
  if (response.status === 204) return null
  return response.json()
}

export const api = {
  get: (path, options) => request('GET', path, options),
  post: (path, body, options) => request('POST', path, { ...options, body }),
  put: (path, body, options) => request('PUT', path, { ...options, body }),
  patch: (path, body, options) => request('PATCH', path, { ...options, body }),
  delete: (path, options) => request('DELETE', path, options)
}

/**
 * A job run followed to its end (GET /api/jobs/:runId once a second, for up to 15 minutes, while
 * `keepGoing()`); null when it is still running.
 */
export const followJob = async (runId, keepGoing = () => true) => {
  for (let polls = 0; polls < 900 && keepGoing(); polls++) {
    const run = await api.get(`/api/jobs/${encodeURIComponent(runId)}`)
    if (run.status !== 'running') return run
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  return null
}

/** Query string from an object, skipping empty values. */
export const query = (params) => {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value))
  const text = search.toString()
  return text ? `?${text}` : ''
}
