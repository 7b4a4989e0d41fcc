import t from 'tap'

// The dashboard's server-sent-event parser (src/web/assets/js/live.js) is plain browser JavaScript
// with no DOM use at import time, so it runs here as it does in the browser.

type SseEvent = { type: string; data: string; id: string }
type Parser = (options: {
  onEvent(e: SseEvent): void
  onRetry?(ms: number): void
  onComment?(text: string): void
}) => (chunk: string) => void
const liveModule = new URL('../../src/web/assets/js/live.js', import.meta.url).href
const { createSseParser } = (await import(liveModule)) as { createSseParser: Parser }

const parse = (chunks: string[]) => {
  const events: SseEvent[] = []
  const retries: number[] = []
  const comments: string[] = []
  const feed = createSseParser({
    onEvent: (e) => events.push(e),
    onRetry: (ms) => retries.push(ms),
    onComment: (c) => comments.push(c)
  })
  for (const chunk of chunks) feed(chunk)
  return { events, retries, comments }
}

t.test('frames as the relay writes them: comments, retry, then id/event/data per fact', async (t) => {
  const stream =
    ': connected\nretry: 2000\n\nid: 7\nevent: fact\ndata: {"position":"7"}\n\n: keep-alive\n\nid: 8\nevent: fact\ndata: {"position":"8"}\n\n'
  const { events, retries, comments } = parse([stream])
  t.same(events, [
    { type: 'fact', data: '{"position":"7"}', id: '7' },
    { type: 'fact', data: '{"position":"8"}', id: '8' }
  ])
  t.same(retries, [2000])
  t.same(comments, ['connected', 'keep-alive'])
})

t.test('a frame split anywhere across chunks, CRLF split between chunks included, parses the same', async (t) => {
  const stream = 'id: 41\r\nevent: fact\r\ndata: {"a":1}\r\n\r\nid: 42\revent: fact\rdata: {"b":2}\r\r\n'
  const whole = parse([stream]).events
  t.equal(whole.length, 2)
  for (let cut = 1; cut < stream.length; cut++) {
    t.same(parse([stream.slice(0, cut), stream.slice(cut)]).events, whole, `cut at ${cut}`)
  }
  t.same(parse(stream.split('')).events, whole, 'one character at a time')
})

t.test('multi-line data joins with newlines; an event without data dispatches nothing; the id persists', async (t) => {
  const { events } = parse(['id: 1\ndata: first\ndata:second\n\nevent: fact\n\ndata: third\n\n'])
  t.same(events, [
    { type: 'message', data: 'first\nsecond', id: '1' },
    { type: 'message', data: 'third', id: '1' }
  ])
})

t.test('an id with a NUL is ignored, and a retry that is not a number too', async (t) => {
  const { events, retries } = parse(['id: 5\ndata: a\n\nid: 6\u0000\nretry: soon\ndata: b\n\n'])
  t.same(
    events.map((e) => e.id),
    ['5', '5']
  )
  t.same(retries, [])
})
