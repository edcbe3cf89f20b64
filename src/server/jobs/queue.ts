/**
 * The job queue: pg-boss on the platform's own database (PGlite embedded, or
 * PostgreSQL), so enqueuing a job can share a transaction with the rows it
 * acts on (architecture decision 4). A new job wakes one idle worker slot
 * the moment it commits (`wakeIdleSlot`, driven by the generation's own
 * LISTEN/NOTIFY announcement); each slot fetches again as soon as its job
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
  /**
   * A job was announced: one idle slot of this process fetches now (none when
   * every slot is busy: each fetches again when its job ends). `all` wakes
   * every idle slot, after announcements may have been missed.
   */
  wakeIdleSlot(all?: boolean): void;
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
    // pg-boss's own LISTEN wakes every worker slot of the process for each
    // new job: 8 fetches, 7 of them empty, on the path of every generation
    // (~7 ms with PGlite, where statements run one at a time). The platform
    // announces each new generation on its own channel anyway, and wakes one
    // idle slot (wakeIdleSlot, wired in platform.ts).
    useListenNotify: false,
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

  /** Worker ids of this process's slots, and the ones running a job. */
  const slots: string[] = [];
  const busy = new Set<string>();
  let nextSlot = 0;

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
          { pollingIntervalSeconds: jobs.pollingIntervalSeconds },
          async ([job]) => {
            const id = worker.id;
            if (id) busy.add(id);
            try {
              if (job) await handler(job);
            } finally {
              // Unset only while work() has not returned yet; the poll then covers it.
              if (id) {
                busy.delete(id);
                boss.notifyWorker(id);
              }
            }
          },
        );
        slots.push(worker.id);
      }
    },
    wakeIdleSlot(all = false) {
      // Round robin over the idle slots: a slot woken a moment ago may still be
      // fetching (or have found the job taken), so the next wake goes elsewhere.
      for (let tried = 0; tried < slots.length; tried++) {
        const id = slots[nextSlot]!;
        nextSlot = (nextSlot + 1) % slots.length;
        if (busy.has(id)) continue;
        boss.notifyWorker(id);
        if (!all) return;
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
    // No pg_notify from pg-boss: new jobs are announced by the generation's own event.
    notify: false,
    expireInSeconds: config.jobs.expireInSeconds,
    heartbeatSeconds: config.jobs.heartbeatSeconds,
    retryLimit: config.jobs.retryLimit,
    retryDelay: config.jobs.retryDelaySeconds,
  };
  const existing = await boss.getQueue(GENERATION_QUEUE);
  if (existing) await boss.updateQueue(GENERATION_QUEUE, options);
  else await boss.createQueue(GENERATION_QUEUE, options);
}
