/**
 * The job queue keeps pulling a backlog once submissions stop. pg-boss wakes
 * idle workers by NOTIFY when a job is created; a worker that is busy when
 * the notifications arrive must still come back for the rest of the queue
 * within the polling interval, not only at NOTIFY's 30 s backstop poll, or a
 * burst larger than the worker count would wait minutes in the queue and its
 * holds could expire before the jobs ever start (PR-3).
 */
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../tests/support/app';
import { generations } from '../db/schema';

const BURST = 12;

let t: TestApp;
beforeAll(async () => {
  // One worker: every job but the first few is created while it is busy.
  t = await createTestApp({ STARTER_CREDITS: String(BURST), WORKER_CONCURRENCY: '1' }, { workers: true });
});
afterAll(() => t.close());

it('drains a burst larger than the worker count without waiting for NOTIFY’s backstop poll', async () => {
  const { cookie } = await signUp(t);
  const ids = await Promise.all(
    Array.from({ length: BURST }, async (_, i) => {
      const response = await t.request('/api/generations', {
        method: 'POST',
        headers: { cookie },
        json: { prompt: `backlog ${i}`, modelId: 'local-preview', size: '512x512', n: 1 },
      });
      expect(response.status).toBe(202);
      return ((await response.json()) as { id: string }).id;
    }),
  );
  // About 0.5 s per job at most with the test profile's polling; the 30 s backstop would need minutes.
  await expect
    .poll(
      async () =>
        (await t.database.db.select().from(generations).where(inArray(generations.id, ids))).filter(
          (row) => row.status === 'succeeded',
        ).length,
      { timeout: 25_000, interval: 250 },
    )
    .toBe(BURST);
});
