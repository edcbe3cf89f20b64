/**
 * Turns on, once, each provider that the environment configures
 * (`PROVIDER_<ID>_API_KEY`, or a base URL for an adapter that needs no
 * key), so that setting the variables is all an operator (or
 * `npm run dev:fakes`) has to do. "Once" is remembered in
 * catalog_seed_entries like the seed itself: a provider an admin switches
 * off later stays off across restarts.
 */
import { eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client';
import { catalogSeedEntries, providers } from '../db/schema';
import { adapterSpec } from '../providers/adapters';
import type { ProviderEnvSettings } from '../providers/env';

export const envEnabledKey = (providerId: string) => `env-enabled:${providerId}`;

/** Returns the ids of the providers this call turned on. */
export async function enableProvidersFromEnv(
  db: Db,
  env: Readonly<Record<string, ProviderEnvSettings>>,
): Promise<string[]> {
  const ids = Object.keys(env);
  if (ids.length === 0) return [];
  return db.transaction(async (tx) => {
    const rows = await tx
      .select({ id: providers.id, adapter: providers.adapter })
      .from(providers)
      .where(inArray(providers.id, ids));
    const configured = rows.filter(({ id, adapter }) => {
      const spec = adapterSpec(adapter);
      const settings = env[id];
      if (!spec || !settings) return false;
      return Boolean(settings.apiKey) || (!spec.needsKey && Boolean(settings.baseUrl));
    });
    const enabled: string[] = [];
    for (const { id } of configured) {
      const claimed = await tx
        .insert(catalogSeedEntries)
        .values({ key: envEnabledKey(id) })
        .onConflictDoNothing()
        .returning({ key: catalogSeedEntries.key });
      if (claimed.length === 0) continue;
      await tx.update(providers).set({ enabled: true }).where(eq(providers.id, id));
      enabled.push(id);
    }
    return enabled;
  });
}
