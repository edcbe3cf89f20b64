/**
 * The catalog kept in memory per process (list-models.ts): its version row
 * moves with every committed change, so a change made anywhere is seen at
 * the next read, and callers get copies.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../tests/support/db';
import type { Database, Db } from '../db/client';
import { catalogSeedEntries, catalogVersion, modelRoutes, models, providers } from '../db/schema';
import { catalogVersionColumn, getModel, listModels } from './list-models';
import { seedCatalog } from './seed-catalog';

let database: Database;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
});
afterAll(() => database.close());

/** Every test starts from an empty catalog (the migrated template has none). */
beforeEach(async () => {
  await db.delete(modelRoutes);
  await db.delete(models);
  await db.delete(providers);
  await db.delete(catalogSeedEntries);
});

const setProvider = (id: string, enabled: boolean) =>
  db.update(providers).set({ enabled }).where(eq(providers.id, id));

describe('the catalog kept in memory', () => {
  const version = async () =>
    (await db.select({ version: catalogVersion.version }).from(catalogVersion))[0]!.version;

  it('moves the version once per changing statement, with the commit and not on a rollback', async () => {
    await seedCatalog(db);
    const before = await version();
    await db.update(models).set({ sortOrder: 5 }); // many rows, one statement
    expect(await version()).toBe(before + 1);
    await db
      .transaction(async (tx) => {
        await tx.update(providers).set({ sortOrder: 3 }).where(eq(providers.id, 'local'));
        throw new Error('roll back');
      })
      .catch(() => {});
    expect(await version()).toBe(before + 1);
    await db.update(modelRoutes).set({ enabled: true }).where(eq(modelRoutes.modelId, 'local-preview'));
    expect(await version()).toBe(before + 2);
  });

  it('sees a change made behind its back at the next read, in every kind of table', async () => {
    await seedCatalog(db);
    expect((await getModel(db, 'local-preview'))?.isUsable).toBe(true);
    await db.update(models).set({ nameEn: 'Renamed in psql' }).where(eq(models.id, 'local-preview'));
    expect((await getModel(db, 'local-preview'))?.nameEn).toBe('Renamed in psql');
    await db.execute(sql`update model_routes set enabled = false where model_id = 'local-preview'`);
    expect((await getModel(db, 'local-preview'))?.isUsable).toBe(false);
    await db.execute(sql`update model_routes set enabled = true where model_id = 'local-preview'`);
    await setProvider('local', false);
    expect((await listModels(db)).map((m) => m.id)).not.toContain('local-preview');
    await setProvider('local', true);
    expect((await listModels(db)).map((m) => m.id)).toContain('local-preview');
  });

  it('takes the version from a statement of the caller (catalogVersionColumn) instead of reading it', async () => {
    await seedCatalog(db);
    const read = async () =>
      (await db.select({ version: catalogVersionColumn() }).from(catalogVersion))[0]!.version;
    const before = await read();
    expect(before).toBe(await version());
    expect((await getModel(db, 'local-preview', { version: before }))?.nameEn).not.toBe('Renamed again');
    await db.update(models).set({ nameEn: 'Renamed again' }).where(eq(models.id, 'local-preview'));
    // The caller's statement saw the old version: the catalog kept for it stands, with no read of its own.
    expect((await getModel(db, 'local-preview', { version: before }))?.nameEn).not.toBe('Renamed again');
    const after = await read();
    expect(after).toBe(before! + 1);
    expect((await getModel(db, 'local-preview', { version: after }))?.nameEn).toBe('Renamed again');
    // No version row at all (null): read, and kept for nobody.
    expect((await getModel(db, 'local-preview', { version: null }))?.nameEn).toBe('Renamed again');
  });

  it('hands out copies: a caller changing its model changes nothing for the next one', async () => {
    await seedCatalog(db);
    const first = (await getModel(db, 'local-preview'))!;
    first.pricing.perImage = 999_999 as never;
    first.routes.length = 0;
    const listed = (await listModels(db)).find((m) => m.id === 'local-preview')!;
    listed.capabilities.maxImages = -1;
    const again = (await getModel(db, 'local-preview'))!;
    expect(again.routes.length).toBeGreaterThan(0);
    expect(again.pricing).not.toEqual(first.pricing);
    expect(again.capabilities.maxImages).toBeGreaterThan(0);
  });
});
