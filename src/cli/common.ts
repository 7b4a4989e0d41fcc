import { existsSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { parseIsoTime } from '../domain/isoTime.js'
import { openEventStore, type EventStore } from '../store/index.js'
import { sqliteOptions } from '../store/url.js'
import { ConfigError, configValue, type Config } from '../config.js'

/** What the relay's CLI commands share: output, exit codes, options, the store and the API. */

export type CliOutput = { out(text: string): void; err(text: string): void }
export type Env = Record<string, string | undefined>

/** Exit codes scripts can rely on: 0 done, 1 a failure (or a mismatch), 2 usage or configuration. */
export const exit = { ok: 0, failure: 1, usage: 2 } as const

/** A refusal of the command line or the environment: printed with the usage, exit code 2. */
export class UsageError extends Error {}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options']

export const parse = <O extends Options>(argv: string[], options: O) => {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true })
      .values as { [K in keyof O]?: O[K] extends { type: 'boolean' } ? boolean : string } & { help?: boolean }
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
}

export const time = (value: string | undefined, name: string): number | undefined => {
  if (value === undefined) return undefined
  const ms = parseIsoTime(value)
  if (ms === undefined) throw new UsageError(`--${name} must be an ISO 8601 date or time, e.g. 2026-12-01T00:00:00Z`)
  return ms
}

/** One of the relay's settings, read as the relay reads it; an invalid value is a usage error. */
export const relaySetting = <K extends keyof Config>(env: Env, name: K): Config[K] => {
  try {
    return configValue(name, env)
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message)
    throw error
  }
}

/** The relay's event store (EVENT_STORE_URL), only when it exists: a CLI command never creates one. */
export const openExistingStore = async (env: Env): Promise<EventStore> => {
  const url = env.EVENT_STORE_URL ?? 'sqlite:./data/relay.db'
  if (url.startsWith('sqlite:')) {
    let path: string
    try {
      path = sqliteOptions(url).path
    } catch (error) {
      throw new UsageError(`EVENT_STORE_URL: ${(error as Error).message}`)
    }
    if (path === ':memory:' || !existsSync(path)) throw new UsageError(`EVENT_STORE_URL names no store file (${path})`)
  } else if (!/^esdb(\+discover)?:\/\//.test(url)) {
    throw new UsageError('EVENT_STORE_URL must be sqlite:<path> or esdb://…')
  }
  // The CLI only reads the store, while the relay that holds it runs.
  return openEventStore(url, { besideRelay: true })
}

/** The running relay's API: RELAY_URL (default http://127.0.0.1:$PORT) and RELAY_TOKEN. */
export const relayApi = (env: Env) => {
  const url = (env.RELAY_URL ?? `http://127.0.0.1:${env.PORT ?? '3000'}`).replace(/\/$/, '')
  const token = env.RELAY_TOKEN
  if (!token) throw new UsageError('RELAY_TOKEN must hold an API token of the running relay')
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {})
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(60_000)
    })
    const text = await res.text()
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const json: any = text ? JSON.parse(text) : null
    if (!res.ok)
      throw new Error(`${method} ${path}: HTTP ${res.status} ${json?.error?.code ?? ''} ${json?.error?.message ?? ''}`)
    return json
  }
}
