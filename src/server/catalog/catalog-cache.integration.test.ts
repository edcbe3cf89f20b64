/**
 * The catalog kept in memory per process (list-models.ts): its version row
 * moves with every committed change, so a change made anywhere is seen at
 * the next read, and callers get copies.
 */
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { emptyCatalogDatabase } from '../../../tests/support/catalog';
import { catalogVersion, modelRoutes, models, providers } from '../db/schema';
import { catalogVersionColumn, getModel, listModels } from './list-models';
import { seedCatalog } from './seed-catalog';

const catalog = emptyCatalogDatabase();

const setProvider = (id: string, enabled: boolean) =>
  catalog.db.update(providers).set({ enabled }).where(eq(providers.id, id));

describe('the catalog kept in memory', () => {
  const version = async () =>
    (await catalog.db.select({ version: catalogVersion.version }).from(catalogVersion))[0]!.version;

  it('moves the version once per changing statement, with the commit and not on a rollback', async () => {
    await seedCatalog(catalog.db);
    const before = await version();
    await catalog.db.update(models).set({ sortOrder: 5 }); // many rows, one statement
    expect(await version()).toBe(before + 1);
    await catalog.db
      .transaction(async (tx) => {
        await tx.update(providers).set({ sortOrder: 3 }).where(eq(providers.id, 'local'));
        throw new Error('roll back');
      })
      .catch(() => {});
    expect(await version()).toBe(before + 1);
    await catalog.db
      .update(modelRoutes)
      .set({ enabled: true })
      .where(eq(modelRoutes.modelId, 'local-preview'));
    expect(await version()).toBe(before + 2);
  });

  it('sees a change made behind its back at the next read, in every kind of table', async () => {
    await seedCatalog(catalog.db);
    expect((await getModel(catalog.db, 'local-preview'))?.isUsable).toBe(true);
    await catalog.db.update(models).set({ nameEn: 'Renamed in psql' }).where(eq(models.id, 'local-preview'));
    expect((await getModel(catalog.db, 'local-preview'))?.nameEn).toBe('Renamed in psql');
    await catalog.db.execute(sql`update model_routes set enabled = false where model_id = 'local-preview'`);
    expect((await getModel(catalog.db, 'local-preview'))?.isUsable).toBe(false);
    await catalog.db.execute(sql`update model_routes set enabled = true where model_id = 'local-preview'`);
    await setProvider('local', false);
    expect((await listModels(catalog.db)).map((m) => m.id)).not.toContain('local-preview');
    await setProvider('local', true);
    expect((await listModels(catalog.db)).map((m) => m.id)).toContain('local-preview');
  });

  it('takes the version from a statement of the caller (catalogVersionColumn) instead of reading it', async () => {
    await seedCatalog(catalog.db);
    const read = async () =>
      (await catalog.db.select({ version: catalogVersionColumn() }).from(catalogVersion))[0]!.version;
    const before = await read();
    expect(before).toBe(await version());
    expect((await getModel(catalog.db, 'local-preview', { version: before }))?.nameEn).not.toBe(
      'Renamed again',
    );
    await catalog.db.update(models).set({ nameEn: 'Renamed again' }).where(eq(models.id, 'local-preview'));
    // The caller's statement saw the old version: the catalog kept for it stands, with no read of its own.
    expect((await getModel(catalog.db, 'local-preview', { version: before }))?.nameEn).not.toBe(
      'Renamed again',
    );
    const after = await read();
    expect(after).toBe(before! + 1);
    expect((await getModel(catalog.db, 'local-preview', { version: after }))?.nameEn).toBe('Renamed again');
    // No version row at all (null): read, and kept for nobody.
    expect((await getModel(catalog.db, 'local-preview', { version: null }))?.nameEn).toBe('Renamed again');
  });

  it('hands out copies: a caller changing its model changes nothing for the next one', async () => {
    await seedCatalog(catalog.db);
    const first = (await getModel(catalog.db, 'local-preview'))!;
    first.pricing.perImage = 999_999 as never;
    first.routes.length = 0;
    const listed = (await listModels(catalog.db)).find((m) => m.id === 'local-preview')!;
    listed.capabilities.maxImages = -1;
    const again = (await getModel(catalog.db, 'local-preview'))!;
    expect(again.routes.length).toBeGreaterThan(0);
    expect(again.pricing).not.toEqual(first.pricing);
    expect(again.capabilities.maxImages).toBeGreaterThan(0);
  });
});
