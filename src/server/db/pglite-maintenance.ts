/**
 * Vacuum and analyse for the embedded database. PGlite is PostgreSQL in one
 * process with no background workers, so nothing runs autovacuum: dead rows
 * of updated and deleted rows (generations move through their statuses,
 * holds settle, pg-boss updates and later deletes every job) and their index
 * entries would stay forever, and the planner would never learn the tables'
 * sizes. This does autovacuum's job on its schedule: every
 * `autovacuum_naptime`, the tables past PostgreSQL's own thresholds (read
 * from the server's settings, so they are the ones a PostgreSQL server would
 * apply) are vacuumed or analysed, one at a time, with a turn of the event
 * loop between them. PostgreSQL deployments have autovacuum and do not run
 * this (decision 022).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { PGlite } from '@electric-sql/pglite';
import type { Logger } from '../log';

export interface MaintenanceReport {
  /** Tables vacuumed (with ANALYZE), schema-qualified. */
  vacuumed: string[];
  /** Tables only analysed. */
  analyzed: string[];
  /** Time spent in the database, in milliseconds. */
  ms: number;
}

interface TableNeed {
  name: string;
  vacuum: boolean;
  analyze: boolean;
}

/**
 * Autovacuum's rules (PostgreSQL 18, "The Autovacuum Daemon"), with
 * reltuples taken as 0 for a table never vacuumed or analysed:
 * - vacuum when dead rows exceed min(threshold + scale × rows, max threshold),
 *   or rows inserted since the last vacuum exceed insert threshold + insert
 *   scale × rows (sets the visibility map, so later vacuums skip those pages);
 * - analyse when rows changed since the last analyse exceed
 *   analyze threshold + analyze scale × rows.
 * A table whose storage parameters say autovacuum_enabled=false is left
 * alone, as autovacuum would leave it. `current_setting(name, true)` is null
 * for a setting an older server does not have.
 */
const NEEDS = `
  with settings as (
    select current_setting('autovacuum_vacuum_threshold')::float8 as vac_base,
           current_setting('autovacuum_vacuum_scale_factor')::float8 as vac_scale,
           nullif(current_setting('autovacuum_vacuum_max_threshold', true), '')::float8 as vac_max,
           current_setting('autovacuum_vacuum_insert_threshold')::float8 as ins_base,
           current_setting('autovacuum_vacuum_insert_scale_factor')::float8 as ins_scale,
           current_setting('autovacuum_analyze_threshold')::float8 as an_base,
           current_setting('autovacuum_analyze_scale_factor')::float8 as an_scale
  )
  select format('%I.%I', s.schemaname, s.relname) as name,
         s.n_dead_tup > case
           when st.vac_max is null or st.vac_max < 0 then st.vac_base + st.vac_scale * greatest(c.reltuples, 0)
           else least(st.vac_base + st.vac_scale * greatest(c.reltuples, 0), st.vac_max)
         end
         or (st.ins_base >= 0
             and s.n_ins_since_vacuum > st.ins_base + st.ins_scale * greatest(c.reltuples, 0)) as vacuum,
         s.n_mod_since_analyze > st.an_base + st.an_scale * greatest(c.reltuples, 0) as analyze
    from pg_stat_user_tables s
    join pg_class c on c.oid = s.relid
    cross join settings st
   where not coalesce('autovacuum_enabled=false' = any(c.reloptions), false)
   order by s.n_dead_tup desc`;

/** One pass: vacuums and analyses what autovacuum would, and reports it. */
export async function maintainPglite(pglite: PGlite): Promise<MaintenanceReport> {
  const report: MaintenanceReport = { vacuumed: [], analyzed: [], ms: 0 };
  const started = performance.now();
  // A backend publishes its counts at most once a second, when idle; the
  // pass reads them all, its own statements' included.
  await pglite.query('select pg_stat_force_next_flush()');
  const { rows } = await pglite.query<TableNeed>(NEEDS);
  for (const table of rows) {
    if (!table.vacuum && !table.analyze) continue;
    // Each statement runs on the main thread and holds the database: one
    // table at a time, with a turn of the event loop between them.
    await nextTurn();
    if (table.vacuum) {
      await pglite.exec(`vacuum (analyze) ${table.name}`);
      report.vacuumed.push(table.name);
    } else {
      await pglite.exec(`analyze ${table.name}`);
      report.analyzed.push(table.name);
    }
  }
  report.ms = Math.round((performance.now() - started) * 10) / 10;
  return report;
}

/** autovacuum_naptime, in milliseconds (PostgreSQL's default is one minute). */
export async function naptimeMs(pglite: PGlite): Promise<number> {
  const { rows } = await pglite.query<{ seconds: number }>(
    `select setting::int as seconds from pg_settings where name = 'autovacuum_naptime'`,
  );
  return (rows[0]?.seconds ?? 60) * 1000;
}

export interface PgliteMaintenance {
  /** Stops the schedule and waits for a pass that is running. */
  stop(): Promise<void>;
}

/**
 * Runs maintainPglite every `intervalMs` (autovacuum_naptime unless given).
 * A pass that fails is logged and the next one tries again; passes never
 * overlap; the timer does not keep the process alive.
 */
export function startPgliteMaintenance(
  pglite: PGlite,
  logger: Logger,
  options: { intervalMs?: number } = {},
): PgliteMaintenance {
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const pass = async () => {
    try {
      const report = await maintainPglite(pglite);
      if (report.vacuumed.length > 0 || report.analyzed.length > 0) {
        logger.info({ maintenance: report }, 'embedded database vacuumed');
      }
    } catch (error) {
      if (!stopped) logger.warn({ err: error }, 'embedded database maintenance failed');
    }
  };
  const schedule = (intervalMs: number) => {
    if (stopped) return;
    timer = setInterval(() => {
      if (!running) running = pass().finally(() => (running = undefined));
    }, intervalMs);
    timer.unref();
  };
  if (options.intervalMs) schedule(options.intervalMs);
  else {
    running = naptimeMs(pglite)
      .then(schedule, (error: unknown) => {
        logger.warn({ err: error }, 'embedded database maintenance: naptime unreadable, using 60 s');
        schedule(60_000);
      })
      .finally(() => (running = undefined));
  }
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
