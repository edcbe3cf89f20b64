/**
 * Provider API keys at rest: sealed with a key derived from APP_SECRET
 * (security/secret-box.ts) and bound to their provider's id, so a sealed key
 * moved onto another provider's row does not open. Only the registry (to
 * call the provider) and the admin's connection test ever open one; admins
 * see the hint.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { providerCredentials } from '../db/schema';
import { createSecretBox, keyHint, type SecretBox } from '../security/secret-box';

export const PROVIDER_KEY_PURPOSE = 'provider-api-keys';

export function providerKeyBox(appSecret: string): SecretBox {
  return createSecretBox(appSecret, PROVIDER_KEY_PURPOSE);
}

const context = (providerId: string) => `provider:${providerId}`;

export interface StoredKey {
  sealedKey: string;
  keyHint: string;
  updatedAt: Date;
}

export async function readStoredKey(db: Db, providerId: string): Promise<StoredKey | undefined> {
  const [row] = await db
    .select({
      sealedKey: providerCredentials.sealedKey,
      keyHint: providerCredentials.keyHint,
      updatedAt: providerCredentials.updatedAt,
    })
    .from(providerCredentials)
    .where(eq(providerCredentials.providerId, providerId));
  return row;
}

/** Opens a stored key; throws SecretBoxError when APP_SECRET changed since it was stored. */
export function openStoredKey(box: SecretBox, providerId: string, stored: StoredKey): string {
  return box.open(stored.sealedKey, context(providerId));
}

/** Stores (or replaces) a provider's key; returns the hint admins will see. */
export async function storeKey(
  db: Db,
  box: SecretBox,
  input: { providerId: string; apiKey: string; updatedBy: string; at: Date },
): Promise<string> {
  const hint = keyHint(input.apiKey);
  const values = {
    sealedKey: box.seal(input.apiKey, context(input.providerId)),
    keyHint: hint,
    updatedBy: input.updatedBy,
    updatedAt: input.at,
  };
  await db
    .insert(providerCredentials)
    .values({ providerId: input.providerId, ...values, createdAt: input.at })
    .onConflictDoUpdate({ target: providerCredentials.providerId, set: values });
  return hint;
}

export async function removeKey(db: Db, providerId: string): Promise<boolean> {
  const removed = await db
    .delete(providerCredentials)
    .where(eq(providerCredentials.providerId, providerId))
    .returning({ providerId: providerCredentials.providerId });
  return removed.length > 0;
}
