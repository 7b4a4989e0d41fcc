import { StoreUnusable } from '../errors.js'

/**
 * What is wrong with a store file, in words an operator can act on, from SQLite's result codes
 * (https://www.sqlite.org/rescode.html) or the file system's. Undefined for an error that says
 * nothing about the file.
 */
const whatIsWrong = (code: string | undefined): string | undefined => {
  if (code === undefined) return undefined
  if (code === 'SQLITE_NOTADB') return 'is not an SQLite database'
  if (code.startsWith('SQLITE_CORRUPT')) return 'is damaged; restore it from a backup'
  if (code.startsWith('SQLITE_CANTOPEN'))
    return 'cannot be opened: its folder must exist and the relay must be allowed to write there'
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM')
    return 'is read-only: the relay must be allowed to write the file and its folder'
  if (code.startsWith('SQLITE_IOERR')) return 'cannot be read or written (a disk or file system error)'
  if (code === 'SQLITE_FULL') return 'cannot grow: the disk is full'
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
    return 'cannot be created: the relay is not allowed to write its folder'
  if (code === 'ENOTDIR') return 'cannot be created: a part of its path is a file, not a folder'
  return undefined
}

/** Errors that mean the file itself is unusable, whenever they happen (not only at opening). */
export const isDamage = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))
}

/** An error met while opening or reading the store at `path`, as one line naming it. */
export const unusableStore = (path: string, error: unknown): StoreUnusable => {
  const code = (error as { code?: unknown } | null)?.code
  const reason = (error as { message?: unknown } | null)?.message
  const what =
    whatIsWrong(typeof code === 'string' ? code : undefined) ??
    (typeof reason === 'string' ? `cannot be used: ${reason.split('\n')[0]}` : 'cannot be used')
  const detail = typeof code === 'string' && typeof reason === 'string' ? ` (${code}: ${reason.split('\n')[0]})` : ''
  return new StoreUnusable(`the event store ${path} ${what}${detail}`, { cause: error })
}
