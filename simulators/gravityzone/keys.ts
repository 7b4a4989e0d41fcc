import type { Clock } from '../../src/platforms/transport/clock.js'
import { allApis, type ApiKeyRecord } from './methods/index.js'
import { authHeaderMissing, invalidApiKey } from './rpcErrors.js'

/**
 * API keys of the simulated tenant. Each key belongs to a company (its root) and is scoped to whole
 * APIs, like the checkboxes of My Account → API keys
 * (docs/platforms/gravityzone.md#transport-and-authentication).
 */
export type KeyStore = ReturnType<typeof createKeyStore>

export const createKeyStore = (options: { clock: Clock; defaultCompanyId: string }) => {
  const keys = new Map<string, ApiKeyRecord>()
  return {
    add(key: string, scope: { companyId?: string; enabledApis?: string[] } = {}): ApiKeyRecord {
      const record: ApiKeyRecord = {
        key,
        companyId: scope.companyId ?? options.defaultCompanyId,
        enabledApis: scope.enabledApis ?? [...allApis],
        createdAt: new Date(options.clock.now()).toISOString()
      }
      keys.set(key, record)
      return record
    },
    get: (key: string) => keys.get(key),
    remove: (key: string) => keys.delete(key),
    all: () => [...keys.values()],
    /** `Authorization: Basic base64(key + ":")`; the password part is ignored. */
    authenticate(header: string | undefined): ApiKeyRecord {
      const match = /^Basic\s+(\S+)\s*$/i.exec(header ?? '')
      if (!match) throw authHeaderMissing()
      const decoded = Buffer.from(match[1]!, 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      const record = keys.get(colon >= 0 ? decoded.slice(0, colon) : decoded)
      if (!record) throw invalidApiKey()
      return record
    }
  }
}
