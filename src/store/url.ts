/** Why a sqlite: URL is refused: it names a file (or `:memory:`) and takes no options. */
export const SQLITE_URL_RULE = 'a sqlite: URL names a file or :memory: and takes no ?options'

/**
 * `sqlite:<path>` as store options; throws on anything after a `?` (config.ts validates
 * EVENT_STORE_URL with it at start-up), so an option this build does not know is never ignored.
 */
export const sqliteOptions = (url: string): { path: string } => {
  const [path = '', query] = url.slice('sqlite:'.length).split('?', 2)
  if (query !== undefined) throw new Error(SQLITE_URL_RULE)
  return { path }
}
