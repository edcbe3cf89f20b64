/**
 * The job queue: pg-boss on the platform's own database (PGlite embedded, or
 * PostgreSQL), so enqueuing a job can share a transaction with the rows it
 * acts on (architecture decision 4). LISTEN/NOTIFY wakes idle workers the
 * moment a job is created; polling finds the jobs that wait without one.
 */
import { sql } from 'drizzle-orm';
import { fromDrizzle, fromPglite, PgBoss, type Job } from 'pg-boss';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Database, Db } from '../db/client';

export const GENERATION_QUEUE = 'generate';

export interface GenerationJobData {
  generationId: string;
}

/** A Drizzle transaction (or the database) that a job is enqueued in. */
export type Executor = Pick<Db, 'execute'>;

export interface JobQueue {
  boss: PgBoss;
  /** Enqueues a generation's job inside the caller's transaction; returns the job id. */
  enqueueGeneration(tx: Executor, data: GenerationJobData): Promise<string>;
  /** Runs `handler` for generation jobs in this process (inline or worker mode). */
  workGenerations(handler: (job: Job<GenerationJobData>) => Promise<void>): Promise<void>;
  /** A job's state, or undefined when pg-boss no longer has it (retention, deletion). */
  jobState(id: string): Promise<string | undefined>;
  cancel(id: string): Promise<void>;
  /** Stops fetching, waits up to `graceSeconds` for running jobs, then aborts them (their signal fires). */
  stop(graceSeconds: number): Promise<void>;
}

export async function startJobQueue(
  database: Database,
  config: Pick<Config, 'jobs' | 'worker'>,
  logger: Logger,
): Promise<JobQueue> {
  const { jobs } = config;
  const common = {
    useListenNotify: true,
    monitorIntervalSeconds: jobs.monitorIntervalSeconds,
    superviseIntervalSeconds: jobs.monitorIntervalSeconds,
    // The platform's own tables are created by its migrations; pg-boss keeps its own schema.
    schema: 'pgboss',
  };
  const boss =
    database.driver === 'pglite'
      ? new PgBoss({ ...common, db: fromPglite(database.pglite!), backend: 'pglite' })
      : new PgBoss({ ...common, connectionString: database.url, max: 4 });
  boss.on('error', (error) => logger.error({ err: error }, 'job queue error'));
  boss.on('warning', (warning) => logger.warn({ warning }, 'job queue warning'));
  await boss.start();
  await createOrUpdateQueue(boss, config);

  return {
    boss,
    async enqueueGeneration(tx, data) {
      const id = await boss.send(GENERATION_QUEUE, data, { db: fromDrizzle(tx as never, sql) });
      if (!id) throw new Error('the job queue did not accept the generation job');
      return id;
    },
    async workGenerations(handler) {
      await boss.work<GenerationJobData>(
        GENERATION_QUEUE,
        {
          localConcurrency: config.worker.concurrency,
          pollingIntervalSeconds: jobs.pollingIntervalSeconds,
          // Not longer with NOTIFY: a notification announces a new job once, so
          // a worker that finishes a job while others still wait (a burst, a
          // restart, the sweeper's repairs) only finds them by polling, and
          // pg-boss waits this long after every job it ran. At pg-boss's 30 s
          // a backlog drained at one job per worker slot per 30 s and ran
          // into its hold timeout (reliability Q1).
          notifyPollingIntervalSeconds: jobs.pollingIntervalSeconds,
        },
        async ([job]) => {
          if (job) await handler(job);
        },
      );
    },
    async jobState(id) {
      const job = await boss.getJobById(GENERATION_QUEUE, id);
      return job?.state;
    },
    async cancel(id) {
      await boss.cancel(GENERATION_QUEUE, id);
    },
    async stop(graceSeconds) {
      await boss.stop({ graceful: true, timeout: graceSeconds * 1000 });
    },
  };
}

async function createOrUpdateQueue(boss: PgBoss, config: Pick<Config, 'jobs'>) {
  const options = {
    notify: true,
    expireInSeconds: config.jobs.expireInSeconds,
    heartbeatSeconds: config.jobs.heartbeatSeconds,
    retryLimit: config.jobs.retryLimit,
    retryDelay: config.jobs.retryDelaySeconds,
  };
  const existing = await boss.getQueue(GENERATION_QUEUE);
  if (existing) await boss.updateQueue(GENERATION_QUEUE, options);
  else await boss.createQueue(GENERATION_QUEUE, options);
}
