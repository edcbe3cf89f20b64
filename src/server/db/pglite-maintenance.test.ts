/**
 * The embedded database's stand-in for autovacuum: it must vacuum and
 * analyse exactly the tables PostgreSQL's own thresholds name, reclaim their
 * dead rows, leave quiet and opted-out tables alone, and keep its schedule
 * through a failing pass.
 */
import { Writable } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log';
import { maintainPglite, naptimeMs, startPgliteMaintenance } from './pglite-maintenance';
import { tunePglite } from './pglite-tuning';

let client: PGlite;

interface TableStats {
  name: string;
  dead: number;
  vacuums: number;
  analyzes: number;
  reltuples: number;
}

async function stats(): Promise<Map<string, TableStats>> {
  // Counts reach the statistics views when the backend is idle, at most once a second.
  await client.query('select pg_stat_force_next_flush()');
  const { rows } = await client.query<TableStats>(`
    select format('%I.%I', s.schemaname, s.relname) as name, s.n_dead_tup::int as dead,
           s.vacuum_count::int as vacuums, s.analyze_count::int as analyzes, c.reltuples::int as reltuples
      from pg_stat_user_tables s join pg_class c on c.oid = s.relid`);
  return new Map(rows.map((row) => [row.name, row]));
}

/** Rows written, then rewritten twice and half deleted: 4,000 dead rows on 1,000 live ones. */
async function churn(table: string) {
  await client.exec(`create table ${table} (id serial primary key, v int not null, note text)`);
  await client.query(
    `insert into ${table} (v, note) select g, repeat('x', 50) from generate_series(1, 2000) g`,
  );
  await client.query(`update ${table} set v = v + 1`);
  await client.query(`update ${table} set v = v + 1`);
  await client.query(`delete from ${table} where id % 2 = 0`);
}

function memoryLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

const until = async (condition: () => boolean, timeoutMs = 5000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

beforeEach(async () => {
  // Tuned as the platform opens it: statements run from prepared statements.
  client = tunePglite(await PGlite.create());
});

afterEach(async () => {
  if (!client.closed) await client.close();
});

describe('maintainPglite', () => {
  it('vacuums the tables past the thresholds, in every schema, and reclaims their dead rows', async () => {
    await client.exec('create schema jobs');
    await churn('public.churned');
    await churn('jobs.churned');
    // 20 rows once: under every threshold (50 changed rows to analyse, 1,000 inserted to vacuum).
    await client.exec('create table quiet (id int primary key)');
    await client.query('insert into quiet select generate_series(1, 20)');
    const before = await stats();
    expect(before.get('public.churned')!.dead).toBeGreaterThanOrEqual(4000);

    const report = await maintainPglite(client);

    expect(report.vacuumed.toSorted()).toEqual(['jobs.churned', 'public.churned']);
    expect(report.analyzed).toEqual([]);
    expect(report.ms).toBeGreaterThan(0);
    const after = await stats();
    for (const name of ['public.churned', 'jobs.churned']) {
      expect(after.get(name)).toMatchObject({ dead: 0, vacuums: 1, analyzes: 1, reltuples: 1000 });
    }
    expect(after.get('public.quiet')).toMatchObject({ vacuums: 0, analyzes: 0 });

    // Nothing changed since: the next pass has nothing to do.
    expect(await maintainPglite(client)).toMatchObject({ vacuumed: [], analyzed: [] });
    // The rows that are left read as before.
    const { rows } = await client.query<{ n: number; odd: boolean }>(
      'select count(*)::int as n, bool_and(id % 2 = 1) as odd from churned',
    );
    expect(rows[0]).toEqual({ n: 1000, odd: true });
  });

  it('only analyses a table with changes enough to analyse but not to vacuum', async () => {
    await client.exec('create table fresh (id int primary key)');
    // 200 inserted rows: over analyse's 50 + 10 %, under the insert vacuum's 1,000 + 20 %.
    await client.query('insert into fresh select generate_series(1, 200)');

    const report = await maintainPglite(client);

    expect(report).toMatchObject({ vacuumed: [], analyzed: ['public.fresh'] });
    expect((await stats()).get('public.fresh')).toMatchObject({ vacuums: 0, analyzes: 1, reltuples: 200 });
  });

  it('vacuums a table that only grew once the inserts pass the insert threshold', async () => {
    await client.exec('create table appended (id int primary key)');
    await client.query('insert into appended select generate_series(1, 1500)');

    expect(await maintainPglite(client)).toMatchObject({ vacuumed: ['public.appended'], analyzed: [] });
  });

  it('leaves a table whose storage parameters turn autovacuum off', async () => {
    await churn('kept');
    await client.exec('alter table kept set (autovacuum_enabled = false)');

    expect(await maintainPglite(client)).toMatchObject({ vacuumed: [], analyzed: [] });
    expect((await stats()).get('public.kept')!.dead).toBeGreaterThanOrEqual(4000);
  });
});

describe('startPgliteMaintenance', () => {
  it('reads the naptime from the server', async () => {
    expect(await naptimeMs(client)).toBe(60_000);
  });

  it('runs passes on its schedule, logs what it did, and stops', async () => {
    const { logger, lines } = memoryLogger();
    const maintenance = startPgliteMaintenance(client, logger, { intervalMs: 20 });
    await churn('churned');
    await until(() => lines.some((line) => line.msg === 'embedded database vacuumed'));
    await maintenance.stop();

    const logged = lines.find((line) => line.msg === 'embedded database vacuumed');
    expect(logged?.maintenance).toMatchObject({ vacuumed: ['public.churned'], analyzed: [] });
    // Passes with nothing to do say nothing.
    expect(lines.filter((line) => line.msg === 'embedded database vacuumed')).toHaveLength(1);

    // Stopped: new dead rows stay.
    await client.query('update churned set v = v + 1');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await stats()).get('public.churned')!.dead).toBeGreaterThanOrEqual(1000);
  });

  it('logs a failing pass and tries again on the next one', async () => {
    const { logger, lines } = memoryLogger();
    await client.close();
    const maintenance = startPgliteMaintenance(client, logger, { intervalMs: 20 });
    await until(
      () => lines.filter((line) => line.msg === 'embedded database maintenance failed').length >= 2,
    );
    await maintenance.stop();
    const failure = lines.find((line) => line.msg === 'embedded database maintenance failed');
    expect(failure?.level).toBe('warn');
    expect(JSON.stringify(failure?.err)).toMatch(/closed/i);
  });
});
