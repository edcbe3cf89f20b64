/**
 * Puts the built-in catalog (seed-data.ts) into the database. Runs at every
 * boot, after migrations.
 *
 * The rule (decision 012): the seed inserts each built-in provider, model and
 * route at most once, ever, and never updates a row. So
 * - whatever an admin changed (names, prices, enabled flags, route order)
 *   survives every restart and upgrade;
 * - whatever an admin deleted stays deleted (catalog_seed_entries remembers
 *   what was inserted before);
 * - entries added to seed-data.ts in a later release are inserted on the next
 *   boot, unless their key is taken: an existing row with the same id (or a
 *   route at the same model and position) wins and is left alone.
 * A correction to an existing seeded row therefore needs a migration or an
 * admin, not an edit of seed-data.ts.
 */
import { inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { catalogSeedEntries, modelRoutes, models, providers } from '../db/schema';
import { modelDefinitionSchema, routeOptionsSchema } from './capabilities';
import { seedKeys, seedModels, seedProviders, type SeedModel, type SeedProvider } from './seed-data';

/** Arbitrary, distinct from the migration lock (727_001): serialises seeding when several instances boot together. */
const SEED_LOCK_ID = 727_002;

export interface SeedCatalogResult {
  /** Rows inserted by this run (0 on every boot after the first, until seed-data.ts grows). */
  providers: number;
  models: number;
  routes: number;
}

export interface SeedCatalogOptions {
  /** Replaces the built-in data; for tests. */
  providers?: readonly SeedProvider[];
  models?: readonly SeedModel[];
}

export async function seedCatalog(db: Db, options: SeedCatalogOptions = {}): Promise<SeedCatalogResult> {
  const builtInProviders = options.providers ?? seedProviders;
  const builtInModels = options.models ?? seedModels;
  // Built-in data is code: a mistake in it must stop the boot, not reach users.
  for (const model of builtInModels) {
    modelDefinitionSchema.parse({ capabilities: model.capabilities, pricing: model.pricing });
    for (const route of model.routes) routeOptionsSchema.parse(route.options ?? {});
  }

  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${SEED_LOCK_ID})`);
    const done = new Set(
      (await tx.select({ key: catalogSeedEntries.key }).from(catalogSeedEntries)).map((r) => r.key),
    );
    const considered: string[] = [];
    const result: SeedCatalogResult = { providers: 0, models: 0, routes: 0 };

    const newProviders = builtInProviders.filter((p) => !done.has(seedKeys.provider(p.id)));
    if (newProviders.length > 0) {
      const rows = await tx
        .insert(providers)
        .values(newProviders.map((p) => ({ ...p, adapter: p.id, settings: {} })))
        .onConflictDoNothing()
        .returning({ id: providers.id });
      result.providers = rows.length;
      considered.push(...newProviders.map((p) => seedKeys.provider(p.id)));
    }

    const newModels = builtInModels.filter((m) => !done.has(seedKeys.model(m.id)));
    if (newModels.length > 0) {
      const rows = await tx
        .insert(models)
        .values(
          newModels.map((m) => ({
            id: m.id,
            nameEn: m.nameEn,
            nameZh: m.nameZh,
            descriptionEn: m.descriptionEn,
            descriptionZh: m.descriptionZh,
            capabilities: m.capabilities,
            pricing: m.pricing,
            sortOrder: m.sortOrder,
          })),
        )
        .onConflictDoNothing()
        .returning({ id: models.id });
      result.models = rows.length;
      considered.push(...newModels.map((m) => seedKeys.model(m.id)));
    }

    const newRoutes = builtInModels.flatMap((m) =>
      m.routes
        .map((route, position) => ({ modelId: m.id, position, ...route }))
        .filter((r) => !done.has(seedKeys.route(r.modelId, r.position))),
    );
    if (newRoutes.length > 0) {
      // A route whose model or provider an admin deleted is skipped, and
      // remembered as seeded: the deletion was deliberate.
      const modelIds = new Set(
        (
          await tx
            .select({ id: models.id })
            .from(models)
            .where(inArray(models.id, [...new Set(newRoutes.map((r) => r.modelId))]))
        ).map((r) => r.id),
      );
      const providerIds = new Set(
        (
          await tx
            .select({ id: providers.id })
            .from(providers)
            .where(inArray(providers.id, [...new Set(newRoutes.map((r) => r.providerId))]))
        ).map((r) => r.id),
      );
      const insertable = newRoutes.filter((r) => modelIds.has(r.modelId) && providerIds.has(r.providerId));
      if (insertable.length > 0) {
        const rows = await tx
          .insert(modelRoutes)
          .values(
            insertable.map((r) => ({
              modelId: r.modelId,
              position: r.position,
              providerId: r.providerId,
              providerModelId: r.providerModelId,
              options: r.options ?? {},
            })),
          )
          .onConflictDoNothing()
          .returning({ modelId: modelRoutes.modelId });
        result.routes = rows.length;
      }
      considered.push(...newRoutes.map((r) => seedKeys.route(r.modelId, r.position)));
    }

    if (considered.length > 0) {
      await tx
        .insert(catalogSeedEntries)
        .values(considered.map((key) => ({ key })))
        .onConflictDoNothing();
    }
    return result;
  });
}
