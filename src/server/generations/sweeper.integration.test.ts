/**
 * The sweeper's repair of lost jobs looks at every unfinished generation,
 * not only the oldest page of them: behind a queue of more than a page of
 * generations whose jobs are alive (a normal backlog), one whose job row was
 * lost must still get a fresh job while its hold is valid, instead of
 * waiting for its hold to expire and failing.
 */
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../tests/support/app';
import { generations, providerWebhookDeliveries, uploads } from '../db/schema';
import { GENERATION_QUEUE } from '../jobs/queue';
import { sweepOnce } from './sweeper';

/** More than the sweeper's page of 100, spread over members to stay under the per-member cap of 50. */
const MEMBERS = 3;
const PER_MEMBER = 40;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp(
    { STARTER_CREDITS: String(PER_MEMBER), RATE_LIMIT_SIGN_UP_PER_HOUR: '1000' },
    { workers: false },
  );
});
afterAll(() => t.close());

it('re-enqueues a lost job queued behind more than a page of live ones', async () => {
  const ids: string[] = [];
  for (let m = 0; m < MEMBERS; m++) {
    const { cookie } = await signUp(t);
    for (let i = 0; i < PER_MEMBER; i++) {
      const response = await t.request('/api/generations', {
        method: 'POST',
        headers: { cookie },
        json: { prompt: `backlog ${m}/${i}`, modelId: 'local-preview', size: '512x512', n: 1 },
      });
      expect(response.status).toBe(202);
      ids.push(((await response.json()) as { id: string }).id);
    }
  }
  // The newest generation loses its job row; every older one keeps a live job.
  const newest = ids.at(-1)!;
  const [lost] = await t.database.db.select().from(generations).where(eq(generations.id, newest));
  await t.database.db.execute(
    sql`delete from pgboss.job where name = ${GENERATION_QUEUE} and id = ${lost!.jobId!}::uuid`,
  );
  // Past the sweeper's grace for fresh generations, well inside the hold timeout.
  t.advance(30_000);

  const report = await sweepOnce(t.platform.generation);

  expect(report.reenqueued).toBe(1);
  const [repaired] = await t.database.db.select().from(generations).where(eq(generations.id, newest));
  expect(repaired!.status).toBe('queued');
  expect(repaired!.jobId).not.toBe(lost!.jobId);
  expect(await t.platform.generation.queue.jobState(repaired!.jobId!)).toBe('created');
}, 60_000);

it('forgets provider webhook deliveries after a week, keeping recent ones', async () => {
  const now = t.platform.generation.now();
  await t.database.db.insert(providerWebhookDeliveries).values([
    {
      providerId: 'replicate',
      deliveryId: 'msg-old',
      requestId: 'p-1',
      receivedAt: new Date(now.getTime() - 8 * 86_400_000),
    },
    {
      providerId: 'replicate',
      deliveryId: 'msg-new',
      requestId: 'p-2',
      receivedAt: new Date(now.getTime() - 3_600_000),
    },
  ]);
  const report = await sweepOnce(t.platform.generation, { orphans: true });
  expect(report.webhookDeliveriesForgotten).toBe(1);
  const left = await t.database.db
    .select({ id: providerWebhookDeliveries.deliveryId })
    .from(providerWebhookDeliveries);
  expect(left.map((row) => row.id)).toEqual(['msg-new']);
});

it('deletes upload objects whose row is gone, and keeps the ones a row names', async () => {
  const { cookie } = await signUp(t);
  const bytes = await sharp({ create: { width: 20, height: 20, channels: 3, background: 'teal' } })
    .png()
    .toBuffer();
  const kept = (await (
    await t.request('/api/uploads', { method: 'POST', headers: { cookie }, body: new Uint8Array(bytes) })
  ).json()) as { id: string };
  const [row] = await t.database.db.select().from(uploads).where(eq(uploads.id, kept.id));
  const orphanKey = `${row!.objectKey.slice(0, row!.objectKey.lastIndexOf('/'))}/${randomUUID()}.png`;
  await t.platform.generation.storage.put(orphanKey, bytes, { contentType: 'image/png' });
  // Later than any run that could still commit a row for these objects.
  t.advance(3_600_000);
  await sweepOnce(t.platform.generation, { orphans: true });
  expect(await t.platform.generation.storage.get(orphanKey)).toBeNull();
  expect(await t.platform.generation.storage.get(row!.objectKey)).not.toBeNull();
});
