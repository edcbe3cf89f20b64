/**
 * The catalog tests' database: one migrated test database per file, its
 * catalog emptied before each test (the migrated template has none).
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Database, Db } from '../../src/server/db/client';
import { catalogSeedEntries, modelRoutes, models, providers } from '../../src/server/db/schema';
import { createTestDatabase } from './db';

/** Registers the hooks; the returned object's `db` is usable inside tests and hooks. */
export function emptyCatalogDatabase(): { readonly db: Db } {
  let database: Database | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.close());
  beforeEach(async () => {
    const { db } = database!;
    await db.delete(modelRoutes);
    await db.delete(models);
    await db.delete(providers);
    await db.delete(catalogSeedEntries);
  });
  return {
    get db() {
      return database!.db;
    },
  };
}
