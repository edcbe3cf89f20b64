/**
 * The in-process worker drains a backlog without waiting for its backstop
 * poll: with one slot, jobs queued behind a running one are fetched as soon
 * as it ends, not 30 s later (pg-boss's wait after a job when NOTIFY is on).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../tests/support/app';
import type { GenerationView } from '../generations/queries';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ STARTER_CREDITS: '10', WORKER_CONCURRENCY: '1' }, { workers: true });
});
afterAll(() => t.close());

describe('generation workers', () => {
  it('run a backlog deeper than their concurrency one job after another', async () => {
    const { cookie } = await signUp(t);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await t.request('/api/generations', {
        method: 'POST',
        headers: { cookie },
        json: { prompt: `backlog ${i}`, modelId: 'local-preview', size: '512x512', n: 1 },
      });
      expect(response.status).toBe(202);
      ids.push(((await response.json()) as { id: string }).id);
    }
    // Far below the 30 s a slot would otherwise wait after its second job.
    await expect
      .poll(
        async () => {
          const views = await Promise.all(
            ids.map(
              async (id) =>
                (await (
                  await t.request(`/api/generations/${id}`, { headers: { cookie } })
                ).json()) as GenerationView,
            ),
          );
          return views.map((view) => view.status);
        },
        { timeout: 15_000, interval: 100 },
      )
      .toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
  });
});
