/**
 * Where bench/generation.mjs keeps its data. By default the embedded
 * database (PGlite) in the run's own folder, as `npm start` has it. With
 * BENCH_DATABASE_URL (a PostgreSQL server the benchmark may create databases
 * on, e.g. the one of scripts/pg-test-cluster.sh) a fresh database is made
 * there for the run and dropped after it: the same measurements on
 * PostgreSQL, where statements run in parallel on separate connections.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';

/** Opens the platform's database module on the run's data (PGlite has one owner at a time: call after the server stopped). */
export async function benchDatabase(dataDir, openDatabase) {
  const serverUrl = process.env.BENCH_DATABASE_URL;
  if (!serverUrl) {
    return {
      mode: 'pglite',
      env: {},
      open: () => openDatabase({ driver: 'pglite', dataDir: path.join(dataDir, 'db') }),
      query: async (database, text, params) => (await database.pglite.query(text, params)).rows,
      drop: async () => {},
    };
  }
  const name = `imagegen_bench_${randomBytes(4).toString('hex')}`;
  const admin = async (statement) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    mode: 'postgres',
    env: { DATABASE_URL: url.toString() },
    open: () => openDatabase({ driver: 'postgres', url: url.toString() }),
    query: async (_database, text, params) => {
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        return (await client.query(text, params)).rows;
      } finally {
        await client.end();
      }
    },
    drop: () => admin(`drop database if exists ${name} with (force)`),
  };
}
