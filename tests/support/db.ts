/**
 * A fresh, migrated database for one test file, copied from the run's
 * template: PGlite loads the dumped data directory; PostgreSQL creates a
 * database from the template database. Same module and driver code as
 * production: nothing is mocked.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../src/server/db/client';
import { TEMPLATE_DB_NAME, withDatabaseName } from './postgres';

export async function createTestDatabase(): Promise<Database> {
  const target = inject('testDatabase');
  if (target.driver === 'pglite') {
    return openDatabase({ driver: 'pglite', loadDataDir: new Blob([readFileSync(target.templateFile)]) });
  }
  const name = `imagegen_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: target.url });
  await admin.connect();
  await admin.query(`create database ${name} template ${TEMPLATE_DB_NAME}`);
  await admin.end();
  const database = await openDatabase({
    driver: 'postgres',
    url: withDatabaseName(target.url, name),
    poolSize: 4,
  });
  return {
    ...database,
    close: async () => {
      await database.close();
      const cleanup = new pg.Client({ connectionString: target.url });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}
