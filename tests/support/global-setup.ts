/**
 * Once per run: a migrated template database that every test file copies.
 * PGlite: migrate an in-memory database and dump its data directory to a
 * file. PostgreSQL (TEST_DATABASE_URL set): (re)create a template database.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../../src/server/config';
import { openDatabase, type Database } from '../../src/server/db/client';
import { startJobQueue } from '../../src/server/jobs/queue';
import { createLogger } from '../../src/server/log';
import { TEMPLATE_DB_NAME, withDatabaseName } from './postgres';

export default async function setup(project: TestProject) {
  const postgresUrl = process.env.TEST_DATABASE_URL;
  if (postgresUrl) {
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${TEMPLATE_DB_NAME} with (force)`);
    await admin.query(`create database ${TEMPLATE_DB_NAME}`);
    await admin.end();
    const template = await openDatabase({
      driver: 'postgres',
      url: withDatabaseName(postgresUrl, TEMPLATE_DB_NAME),
    });
    await template.migrate();
    await installJobSchema(template);
    await template.close();
    project.provide('testDatabase', { driver: 'postgres', url: postgresUrl });
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'imagegen-template-'));
  const database = await openDatabase({ driver: 'pglite' });
  await database.migrate();
  await installJobSchema(database);
  const dump = await database.pglite!.dumpDataDir('none');
  await database.close();
  const file = path.join(dir, 'template.tar');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('testDatabase', { driver: 'pglite', templateFile: file });
  return () => rmSync(dir, { recursive: true, force: true });
}

/** pg-boss creates its schema on first start: do it once in the template, not in every test file. */
async function installJobSchema(database: Database) {
  const config = loadConfig({
    NODE_ENV: 'test',
    APP_SECRET: 'x'.repeat(32),
    DATA_DIR: tmpdir(),
    LOG_LEVEL: 'silent',
  });
  const queue = await startJobQueue(database, config, createLogger({ level: 'silent' }));
  await queue.stop(0);
}

declare module 'vitest' {
  export interface ProvidedContext {
    testDatabase: { driver: 'pglite'; templateFile: string } | { driver: 'postgres'; url: string };
  }
}
