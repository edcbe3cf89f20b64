/**
 * The per-member cap on unfinished generations (GENERATION_MAX_ACTIVE_PER_USER)
 * holds under concurrent submits, not only one at a time: a member with
 * plenty of credits who fires 120 submits at once gets exactly the cap
 * accepted and the rest refused with 429. On PostgreSQL the submits really
 * run in parallel; a count taken before the transaction let all of them in.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, creditsOf, signUp, type TestApp } from '../../../tests/support/app';

const CAP = 20;
const SUBMITS = 120;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(
    { STARTER_CREDITS: String(SUBMITS), GENERATION_MAX_ACTIVE_PER_USER: String(CAP) },
    { workers: false },
  );
});
afterAll(() => t.close());

it('accepts exactly the cap of concurrent submits and refuses the rest with 429', async () => {
  const { cookie } = await signUp(t);
  const responses = await Promise.all(
    Array.from({ length: SUBMITS }, () =>
      t.request('/api/generations', {
        method: 'POST',
        headers: { cookie },
        json: { prompt: 'a flood', modelId: 'local-preview', size: '512x512', n: 1 },
      }),
    ),
  );
  const statuses = responses.map((r) => r.status);
  expect(statuses.filter((s) => s === 202)).toHaveLength(CAP);
  expect(statuses.filter((s) => s === 429)).toHaveLength(SUBMITS - CAP);
  const refused = responses.find((r) => r.status === 429)!;
  expect(refused.headers.get('retry-after')).toBe('5');
  expect(await creditsOf(t, cookie)).toEqual({ available: SUBMITS - CAP, held: CAP });
});
