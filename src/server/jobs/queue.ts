/**
 * The job queue: pg-boss on the platform's own database (PGlite embedded, or
 * PostgreSQL), so enqueuing a job can share a transaction with the rows it
 * acts on (architecture decision 4). LISTEN/NOTIFY wakes idle workers the
 * moment a job is created; each worker slot fetches again as soon as its job
 * ends, and idle slots poll as the backstop.
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
      // One registration per slot instead of `localConcurrency`: after every
      // job, a pg-boss worker waits out its polling interval (30 s with NOTIFY)
      // unless a new job is announced meanwhile, so once submissions stop, a
      // backlog larger than the concurrency drained at `concurrency` jobs per
      // 30 s (reliability tests C7 and Q1 ran into hold timeouts). Knowing its
      // own id, each slot wakes itself when a job ends and fetches the next one
      // at once. Idle slots still poll at JOB_POLLING_INTERVAL_SECONDS, not
      // pg-boss's 30 s: jobs that become due without a notification (a rerun
      // after its retry delay) are found that soon.
      for (let slot = 0; slot < config.worker.concurrency; slot++) {
        const worker: { id?: string } = {};
        worker.id = await boss.work<GenerationJobData>(
          GENERATION_QUEUE,
          {
            pollingIntervalSeconds: jobs.pollingIntervalSeconds,
            notifyPollingIntervalSeconds: jobs.pollingIntervalSeconds,
          },
          async ([job]) => {
            try {
              if (job) await handler(job);
            } finally {
              // Unset only while work() has not returned yet; the poll then covers it.
              if (worker.id) boss.notifyWorker(worker.id);
            }
          },
        );
      }
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
