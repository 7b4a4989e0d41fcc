// The live tail of GET /api/audit/live. EventSource cannot send an Authorization header, so the
// stream is read with fetch() and its server-sent-event frames are parsed here (WHATWG HTML
// "Parsing an event stream"); after a drop it reconnects with Last-Event-ID, so no fact is missed.

import { ApiError, session } from './api.js'

/** Parses SSE text incrementally; calls onEvent({ type, data, id }) per dispatched event. */
export const createSseParser = ({ onEvent, onRetry, onComment }) => {
  let buffer = ''
  let data = []
  let type = ''
  let lastId = ''
  const line = (text) => {
    if (text === '') {
      if (data.length > 0) onEvent({ type: type || 'message', data: data.join('\n'), id: lastId })
      data = []
      type = ''
      return
    }
    if (text.startsWith(':')) return onComment?.(text.slice(1).trim())
    const colon = text.indexOf(':')
    const field = colon === -1 ? text : text.slice(0, colon)
    let value = colon === -1 ? '' : text.slice(colon + 1)
    if (value.startsWith(' ')) value = value.slice(1)
    if (field === 'data') data.push(value)
    else if (field === 'event') type = value
    else if (field === 'id' && !value.includes('\0')) lastId = value
    else if (field === 'retry' && /^\d+$/.test(value)) onRetry?.(Number(value))
  }
  return (chunk) => {
    buffer += chunk
    // A CR at the very end may be the first half of a CRLF: keep it for the next chunk.
    for (;;) {
      const match = /\r\n|\r(?!$)|\n/.exec(buffer)
      if (!match) return
      line(buffer.slice(0, match.index))
      buffer = buffer.slice(match.index + match[0].length)
    }
  }
}

/**
 * One live connection for the whole dashboard: listeners get every new fact (the audit page, the
 * active-event count). Status: 'connecting' | 'live' | 'reconnecting' | 'stopped'.
 */
export const createLiveFacts = ({ onUnauthorized }) => {
  const factListeners = new Set()
  const statusListeners = new Set()
  let status = 'stopped'
  let lastEventId = ''
  let retryMs = 2000
  let failures = 0
  let controller = null
  let timer = null
  let idle = null
  let running = false
  // Each start() is a new generation: a connection of an earlier one that ends late stays ended.
  let generation = 0

  const setStatus = (next) => {
    status = next
    for (const listener of statusListeners) listener(status)
  }

  const parserFor = () =>
    createSseParser({
      onEvent: (event) => {
        if (event.id) lastEventId = event.id
        if (event.type !== 'fact') return
        let fact
        try {
          fact = JSON.parse(event.data)
        } catch {
          return
        }
        for (const listener of factListeners) listener(fact)
      },
      onRetry: (ms) => {
        retryMs = Math.min(Math.max(ms, 500), 60_000)
      }
    })

  const connect = async (gen) => {
    if (!running || gen !== generation) return
    controller = new AbortController()
    setStatus(failures === 0 && status !== 'reconnecting' ? 'connecting' : 'reconnecting')
    try {
      const headers = { authorization: `Bearer ${session.token()}`, accept: 'text/event-stream' }
      if (lastEventId) headers['last-event-id'] = lastEventId
      const response = await fetch('/api/audit/live', { headers, signal: controller.signal, cache: 'no-store' })
      if (response.status === 401) {
        const body = await response.json().catch(() => null)
        if (gen !== generation) return
        running = false
        setStatus('stopped')
        onUnauthorized(
          new ApiError(
            401,
            body?.error?.code ?? 'invalid_credentials',
            body?.error?.message ?? 'the token is not accepted'
          )
        )
        return
      }
      // 400 invalid_position: the store no longer reaches the last fact seen (it was restored from
      // a backup); resuming from there would be refused forever, so the tail follows from now on.
      if (response.status === 400) lastEventId = ''
      if (!response.ok || !response.body) throw new Error(`the live tail answered ${response.status}`)
      failures = 0
      setStatus('live')
      const parse = parserFor()
      const reader = response.body.getReader()
      const decoder = new TextDecoder()
      const current = controller
      // The relay writes a keep-alive every 15 s: three missed mean a dead connection a proxy kept open.
      const watchdog = () => {
        clearTimeout(idle)
        idle = setTimeout(() => current.abort(), 45_000)
      }
      watchdog()
      for (;;) {
        const { value, done } = await reader.read()
        if (done) break
        watchdog()
        parse(decoder.decode(value, { stream: true }))
      }
    } catch {
      // Dropped, refused or gone quiet: retried below, unless stopped.
    } finally {
      clearTimeout(idle)
    }
    if (!running || gen !== generation) return
    failures++
    setStatus('reconnecting')
    // The server's retry hint, doubled per consecutive failure up to half a minute.
    timer = setTimeout(() => connect(gen), Math.min(retryMs * 2 ** Math.max(0, failures - 1), 30_000))
  }

  return {
    start() {
      if (running) return
      running = true
      failures = 0
      void connect(++generation)
    },
    stop() {
      running = false
      generation++
      clearTimeout(timer)
      controller?.abort()
      lastEventId = ''
      setStatus('stopped')
    },
    status: () => status,
    /** The position of the last fact received, so a page can tell which facts it has already seen. */
    lastPosition: () => lastEventId,
    onFact(listener) {
      factListeners.add(listener)
      return () => factListeners.delete(listener)
    },
    onStatus(listener) {
      statusListeners.add(listener)
      return () => statusListeners.delete(listener)
    }
  }
}
