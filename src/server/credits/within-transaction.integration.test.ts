import { sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../tests/support/db';
import { queryRows, type Database } from '../db/client';
import { withinTransaction } from './within-transaction';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const inTransaction = async (db: Parameters<typeof queryRows>[0]) =>
  (await queryRows<{ open: boolean }>(db, sql`select now() = statement_timestamp() as open`))[0]?.open ===
  false;

describe('withinTransaction', () => {
  it('opens a transaction of its own when given the database', async () => {
    await withinTransaction(database.db, async (tx) => {
      expect(tx).toBeInstanceOf(PgTransaction);
      expect(tx).not.toBe(database.db);
    });
  });

  it("joins the caller's transaction as it is, without a savepoint", async () => {
    await database.db.transaction(async (outer) => {
      await withinTransaction(outer, async (tx) => {
        expect(tx).toBe(outer);
        // Still the caller's transaction: now() is its start, earlier than this statement.
        await new Promise((resolve) => setTimeout(resolve, 5));
        expect(await inTransaction(tx)).toBe(true);
      });
    });
  });
});
