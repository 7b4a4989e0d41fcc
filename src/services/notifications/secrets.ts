import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import type { FactData } from '../../domain/facts.js'

/**
 * Notification targets' secrets at rest (docs/notifications.md#secrets): AES-256-GCM under a key
 * derived with HKDF-SHA256 from NOTIFY_SECRET_KEY, so a secret enters its fact only encrypted and
 * the audit, exports and backups never hold it in clear. Another key cannot decrypt it (GCM's tag
 * says so) and the target's deliveries fail until the secret is entered again.
 */

export type SealedSecret = FactData<'NotificationsConfigured'>['targets'][number]['sealed']

export type SecretBox = {
  seal(secret: string): SealedSecret
  /** The secret, or undefined when this key cannot open it. */
  open(sealed: SealedSecret): string | undefined
}

export const createSecretBox = (notifySecretKey: string): SecretBox => {
  const key = Buffer.from(hkdfSync('sha256', notifySecretKey, 'gz-halo-relay', 'notification-target-secret', 32))
  return {
    seal(secret) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()])
      return {
        alg: 'A256GCM',
        iv: iv.toString('base64url'),
        tag: cipher.getAuthTag().toString('base64url'),
        data: data.toString('base64url')
      }
    },
    open(sealed) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64url'))
        decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'))
        return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64url')), decipher.final()]).toString(
          'utf8'
        )
      } catch {
        return undefined
      }
    }
  }
}
