/**
 * The job queue on the real database (PGlite, and PostgreSQL when
 * TEST_DATABASE_URL is set): a backlog drains at the workers' concurrency
 * even when no NOTIFY announces the jobs still waiting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../tests/support/db';
import { TEST_PROFILE } from '../../../tests/support/test-profile';
import { loadConfig } from '../config';
import type { Database } from '../db/client';
import { createLogger } from '../log';
import { startJobQueue, type JobQueue } from './queue';

let database: Database;
let queue: JobQueue;
beforeAll(async () => {
  database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    APP_SECRET: 'x'.repeat(32),
    DATA_DIR: '/nonexistent',
    ...TEST_PROFILE,
    // One job at a time, so every job after the first waits in the queue.
    WORKER_CONCURRENCY: '1',
  });
  queue = await startJobQueue(database, config, createLogger({ level: 'silent' }));
});
afterAll(async () => {
  await queue.stop(1);
  await database.close();
});

describe('the generation queue', () => {
  it('keeps fetching while a backlog waits, without a notification per job', async () => {
    const done: string[] = [];
    await queue.workGenerations(async (job) => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      done.push(job.data.generationId);
    });
    // Five jobs at once: their notifications arrive while the first runs, and
    // nothing announces the jobs still waiting after the second.
    const ids = ['a', 'b', 'c', 'd', 'e'].map((letter) => `backlog-${letter}`);
    await database.db.transaction(async (tx) => {
      for (const id of ids) await queue.enqueueGeneration(tx, { generationId: id });
    });
    // 5 x 200 ms of work with at most one 0.5 s poll between jobs. The bound
    // is far below the 30 s a notified worker used to wait before looking
    // again, which left a backlog to its hold timeout (found by Q1).
    await expect.poll(() => done.length, { timeout: 10_000, interval: 100 }).toBe(ids.length);
    expect([...done].sort()).toEqual(ids);
  });
});
