/**
 * Encrypts the few secrets the platform keeps in its database (provider API
 * keys) so that a copy of the database, a backup or an admin's SQL console
 * does not leak them (decision 016). The key is derived from APP_SECRET with
 * HKDF, one key per purpose; each value is sealed with AES-256-GCM under a
 * fresh random nonce and bound to the row it belongs to (the associated
 * data), so a ciphertext copied onto another provider's row does not open.
 *
 * Sealed text: `v1.<nonce>.<ciphertext>.<tag>`, base64url parts. The version
 * leaves room for another scheme without a flag day.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

export interface SecretBox {
  /** Seals `plaintext` for the record named by `context` (e.g. "provider:openai"). */
  seal(plaintext: string, context: string): string;
  /** Opens what `seal` made for the same context; throws SecretBoxError otherwise (wrong secret, tampering, other row). */
  open(sealed: string, context: string): string;
}

/** A box for one purpose: the same APP_SECRET gives unrelated keys for different purposes. */
export function createSecretBox(appSecret: string, purpose: string): SecretBox {
  if (appSecret.length < 32) throw new SecretBoxError('APP_SECRET must be at least 32 characters');
  const key = Buffer.from(hkdfSync('sha256', appSecret, 'imagegen-platform', `secret-box:${purpose}`, 32));
  return {
    seal(plaintext, context) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, nonce, body, cipher.getAuthTag()]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },
    open(sealed, context) {
      const [version, nonce, body, tag, ...rest] = sealed.split('.');
      if (
        version !== VERSION ||
        nonce === undefined ||
        body === undefined ||
        tag === undefined ||
        rest.length
      ) {
        throw new SecretBoxError('not a sealed value of a known version');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(nonce, 'base64url'), {
          authTagLength: TAG_BYTES,
        });
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
          'utf8',
        );
      } catch (error) {
        throw new SecretBoxError('the sealed value does not open with this secret and context', {
          cause: error,
        });
      }
    },
  };
}

/** What an admin may see of a key: its last four characters, the rest masked. */
export function keyHint(key: string): string {
  return key.length <= 8 ? '••••' : `••••${key.slice(-4)}`;
}
