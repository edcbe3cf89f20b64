/**
 * The database: PGlite (embedded, the default) or PostgreSQL (DATABASE_URL).
 * Domain code sees only `Db`, a Drizzle Postgres database; it never knows which.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import type { Logger } from 'pino';
import { lockDataDir } from './data-dir-lock';
import { tunePglite } from './pglite-tuning';
import * as schema from './schema';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type DatabaseOptions =
  | { driver: 'postgres'; url: string; poolSize?: number; logger?: Logger }
  | {
      driver: 'pglite';
      /** Folder for the data files; omit for an in-memory database (tests). */
      dataDir?: string;
      /** A dumped data directory to start from (tests: the migrated template). */
      loadDataDir?: Blob;
      logger?: Logger;
    };

export interface Database {
  db: Db;
  driver: 'pglite' | 'postgres';
  /** Applies committed migrations that are not applied yet. */
  migrate(): Promise<void>;
  /** True when the database answers and every committed migration is applied. */
  isReady(): Promise<boolean>;
  close(): Promise<void>;
  /** The connection string (PostgreSQL only), for the job queue and LISTEN connections. */
  url?: string;
  /** The PGlite instance (embedded mode only), for dumps in tests. */
  pglite?: PGlite;
}

export const migrationsFolder = findMigrationsFolder();

/** Walks up from this module to the folder holding drizzle/meta/_journal.json (works from src/ and build/). */
function findMigrationsFolder(): string {
  let dir = import.meta.dirname;
  for (;;) {
    const candidate = path.join(dir, 'drizzle');
    if (existsSync(path.join(candidate, 'meta', '_journal.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('drizzle/ migrations folder not found');
    dir = parent;
  }
}

function committedMigrationCount(): number {
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

/** Runs raw SQL and returns its rows; both drivers answer with `{ rows }`. */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return (result as { rows: T[] }).rows;
}

async function appliedMigrationCount(db: Db): Promise<number> {
  const [exists] = await queryRows<{ present: boolean }>(
    db,
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`,
  );
  if (!exists?.present) return 0;
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
  );
  return row?.n ?? 0;
}

/*
 * PGlite's buffer cache lives in its WebAssembly memory, which never shrinks,
 * and initdb sizes it at PostgreSQL's default of 128 MB. Pages it does not
 * hold are read from the data files through the operating system's cache,
 * which costs microseconds and is shared with everything else. 32 MB holds
 * the hot pages of an embedded installation (sessions, holds, recent
 * generations) and takes about 90 MB less resident memory per process;
 * bench:generation shows no slower queries.
 */
const PGLITE_SHARED_BUFFERS = '32MB';

/** An arbitrary constant: the advisory lock that serialises migrations across instances. */
const MIGRATION_LOCK_ID = 727_001;

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const expected = committedMigrationCount();
  if (options.driver === 'pglite') {
    const create = () =>
      PGlite.create({
        ...(options.dataDir ? { dataDir: options.dataDir } : {}),
        ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
        startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
      });
    let unlock = () => {};
    if (options.dataDir) {
      mkdirSync(options.dataDir, { recursive: true });
      unlock = lockDataDir(options.dataDir);
      // An instance that created its data folder keeps what initdb left in
      // memory (about 350 MB resident) until it is closed; a second opening
      // does not. So the first start creates the folder, closes, and reopens.
      if (!existsSync(path.join(options.dataDir, 'PG_VERSION'))) await (await create()).close();
    }
    let client: PGlite;
    try {
      client = tunePglite(await create());
    } catch (error) {
      unlock();
      throw error;
    }
    const db = drizzlePglite({ client, schema }) as unknown as Db;
    return {
      db,
      driver: 'pglite',
      pglite: client,
      // PGlite belongs to this process alone (the data-folder lock), so no migration lock is needed.
      migrate: () => migratePglite(drizzlePglite({ client, schema }), { migrationsFolder }),
      isReady: async () => (await appliedMigrationCount(db)) >= expected,
      close: async () => {
        try {
          await client.close();
        } finally {
          unlock();
        }
      },
    };
  }

  const pool = new pg.Pool({
    connectionString: options.url,
    // 10 per process: with 2 web + 2 worker processes that is 40 of
    // PostgreSQL's default 100 connections, leaving room for admin tools.
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', (error) => options.logger?.warn({ err: error }, 'postgres pool client error'));
  const db = drizzleNodePg({ client: pool, schema }) as unknown as Db;
  return {
    db,
    driver: 'postgres',
    url: options.url,
    migrate: async () => {
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
        try {
          await migrateNodePg(drizzleNodePg({ client, schema }), { migrationsFolder });
        } finally {
          await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
        }
      } finally {
        client.release();
      }
    },
    isReady: async () => (await appliedMigrationCount(db)) >= expected,
    close: () => pool.end(),
  };
}
