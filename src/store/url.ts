/**
 * `sqlite:<path>[?writer=inline|thread]` as store options; throws on anything else after the `?`
 * (config.ts validates EVENT_STORE_URL with it at start-up).
 */
export const sqliteOptions = (url: string): { path: string; writer: 'inline' | 'thread' } => {
  const [path = '', query] = url.slice('sqlite:'.length).split('?', 2)
  if (query === undefined) return { path, writer: 'inline' }
  const writer = /^writer=(inline|thread)$/.exec(query)?.[1]
  if (writer !== 'inline' && writer !== 'thread')
    throw new Error('a sqlite: URL takes only ?writer=inline or ?writer=thread')
  return { path, writer }
}
