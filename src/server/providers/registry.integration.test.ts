/**
 * The registry's catalog side on a real database: adapters built from a
 * stored (sealed) key or the environment, rebuilt when the key changes,
 * and the failures that let a job fall back; and the environment switching
 * a provider on exactly once.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerFailure } from '../../../tests/support/provider-contract';
import { createTestDatabase } from '../../../tests/support/db';
import { enableProvidersFromEnv } from '../catalog/enable-from-env';
import { seedCatalog } from '../catalog/seed-catalog';
import type { Database } from '../db/client';
import { providers, users } from '../db/schema';
import { createSecretBox } from '../security/secret-box';
import { providerKeyBox, storeKey } from './credentials';
import { createProviderRegistry } from './registry';

let database: Database;
const box = providerKeyBox('k'.repeat(40));
beforeAll(async () => {
  database = await createTestDatabase();
  await seedCatalog(database.db);
  await database.db.insert(users).values({ id: 'admin-1', name: 'A', email: 'a@example.test' });
});
afterAll(() => database.close());

const openai = { id: 'openai', adapter: 'openai', settings: {} };

describe('provider registry on the catalog', () => {
  it('needs a key: none is auth, so the job moves to the next route', async () => {
    const registry = createProviderRegistry({ catalog: { db: database.db, keyBox: box } });
    const error = await providerFailure(registry.resolve(openai));
    expect(error).toMatchObject({ code: 'auth', providerId: 'openai' });
    expect(error.canFallBack).toBe(true);
  });

  it('builds from the environment, then from a stored key, rebuilding only when something changes', async () => {
    const registry = createProviderRegistry({
      catalog: { db: database.db, keyBox: box, env: { openai: { apiKey: 'sk-env-key-1234' } } },
    });
    const fromEnv = await registry.resolve(openai);
    expect(fromEnv.id).toBe('openai');
    expect(await registry.resolve(openai)).toBe(fromEnv);
    expect(await registry.settingsOf(openai)).toMatchObject({
      keySource: 'environment',
      apiKey: 'sk-env-key-1234',
    });

    await storeKey(database.db, box, {
      providerId: 'openai',
      apiKey: 'sk-stored-5678',
      updatedBy: 'admin-1',
      at: new Date(),
    });
    const fromStore = await registry.resolve(openai);
    expect(fromStore).not.toBe(fromEnv);
    expect(await registry.settingsOf(openai)).toMatchObject({
      keySource: 'stored',
      apiKey: 'sk-stored-5678',
    });
    const moved = await registry.resolve({ ...openai, settings: { baseUrl: 'http://127.0.0.1:9/v1' } });
    expect(moved).not.toBe(fromStore);
  });

  it('treats a key that no longer opens (APP_SECRET changed) as auth, naming the remedy', async () => {
    const registry = createProviderRegistry({
      catalog: { db: database.db, keyBox: createSecretBox('z'.repeat(40), 'provider-api-keys') },
    });
    const error = await providerFailure(registry.resolve(openai));
    expect(error.code).toBe('auth');
    expect(error.message).toContain('enter it again');
  });

  it('answers model_unavailable for an unknown adapter or a compatible endpoint without a base URL', async () => {
    const registry = createProviderRegistry({ catalog: { db: database.db, keyBox: box } });
    expect((await providerFailure(registry.resolve({ id: 'x', adapter: 'nope', settings: {} }))).code).toBe(
      'model_unavailable',
    );
    expect(
      (
        await providerFailure(
          registry.resolve({ id: 'openai_compatible', adapter: 'openai_compatible', settings: {} }),
        )
      ).code,
    ).toBe('model_unavailable');
  });
});

describe('providers switched on by the environment', () => {
  it('switches a configured provider on once, and leaves an admin\'s later "off" alone', async () => {
    const env = {
      byteplus: { apiKey: 'ark-key' },
      openai_compatible: { baseUrl: 'http://gpu:8000/v1' },
      google: {},
    };
    expect((await enableProvidersFromEnv(database.db, env)).sort()).toEqual([
      'byteplus',
      'openai_compatible',
    ]);
    const enabledOf = async (id: string) =>
      (await database.db.select({ on: providers.enabled }).from(providers).where(eq(providers.id, id)))[0]
        ?.on;
    expect(await enabledOf('byteplus')).toBe(true);
    expect(await enabledOf('google')).toBe(false);
    await database.db.update(providers).set({ enabled: false }).where(eq(providers.id, 'byteplus'));
    expect(await enableProvidersFromEnv(database.db, env)).toEqual([]);
    expect(await enabledOf('byteplus')).toBe(false);
  });
});
