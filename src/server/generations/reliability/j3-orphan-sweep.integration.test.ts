/**
 * J3, the orphan sweep (reliability.md §2): a stored object under
 * `generations/` that no image row names — what a job leaves when it stores
 * its images and dies before its transaction commits — is deleted by the
 * sweeper once it is older than the hold timeout, and nothing a row names is
 * touched, however old. A younger orphan stays until it is old enough,
 * since a running job stores its images before it commits their rows.
 *
 * The objects' ages are set on the disk driver's files (mtime under the
 * storage root). The in-process sweeper is slowed to once an hour, so the
 * only orphan passes are the test's own.
 */
import { utimes } from 'node:fs/promises';
import path from 'node:path';
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../tests/support/app';
import { checkInvariants, expectSound } from '../../../../tests/support/checker';
import {
  recorded,
  reliabilitySeed,
  signUpMember,
  waitUntilFinished,
} from '../../../../tests/support/reliability';
import { generationImages } from '../../db/schema';
import { createRandom } from '../../providers/local/random';
import { sweepOnce } from '../sweeper';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ SWEEP_INTERVAL_SECONDS: '3600' }, { workers: true });
});
afterAll(() => t.close());

/** A version-4 shaped UUID from the seeded generator, so a failing run names the same keys again. */
function seededUuid(random: ReturnType<typeof createRandom>): string {
  const hex = Array.from({ length: 32 }, () => random.int(0, 15).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20)}`;
}

it('J3: the orphan sweep deletes old objects no row names and keeps every object a row names', async () => {
  const seed = reliabilitySeed();
  const random = createRandom(seed);
  const deps = t.platform.generation;
  const storageConfig = t.deps.config.storage;
  if (storageConfig.driver !== 'disk') throw new Error('this test sets file times on the disk driver');
  const { holdTimeoutSeconds } = t.deps.config.generation;
  await recorded(
    'J3-orphan-sweep',
    { driver: t.database.driver, seed, parameters: { storage: 'disk', holdTimeoutSeconds, generations: 2 } },
    async (figures) => {
      const member = await signUpMember(t);
      const ids: string[] = [];
      for (const prompt of ['a desert at noon', 'a forest at night']) {
        const response = await member.submit({ prompt, modelId: 'local-sketch', size: '512x512', n: 1 });
        expect(response.status).toBe(202);
        ids.push(((await response.json()) as { id: string }).id);
      }
      await waitUntilFinished(t.database.db, ids, 30_000);
      const images = await t.database.db
        .select()
        .from(generationImages)
        .where(inArray(generationImages.generationId, ids));
      expect(images).toHaveLength(2);
      // waitUntilFinished waited for the thumbnails too, so every row names both objects.
      const named = images
        .flatMap((image) => [image.objectKey, image.thumbKey])
        .filter((key): key is string => key !== null);
      expect(named).toHaveLength(4);

      // An orphan's original and thumbnail, as a job that died before committing leaves them.
      const original = await deps.storage.get(images[0]!.objectKey);
      const bytes = Buffer.concat(await original!.body.toArray());
      const oldId = seededUuid(random);
      const freshId = seededUuid(random);
      const oldOrphans = [`generations/${oldId}/0.png`, `generations/${oldId}/0.thumb.webp`];
      const freshOrphan = `generations/${freshId}/0.png`;
      await deps.storage.put(oldOrphans[0]!, bytes, { contentType: 'image/png' });
      await deps.storage.put(oldOrphans[1]!, bytes, { contentType: 'image/webp' });
      await deps.storage.put(freshOrphan, bytes, { contentType: 'image/png' });

      // Two hours old: the orphans, and the rows' own objects too, so only the rows protect them.
      const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
      for (const key of [...oldOrphans, ...named]) await utimes(path.join(storageConfig.root, key), old, old);

      const report = await sweepOnce(deps, { orphans: true });
      figures.firstSweepOrphansDeleted = report.orphansDeleted;
      expect(report.orphansDeleted).toBe(oldOrphans.length);
      for (const key of oldOrphans) expect(await deps.storage.head(key), key).toBeNull();
      expect(await deps.storage.head(freshOrphan), 'an orphan younger than the hold timeout').not.toBeNull();
      for (const key of named) expect(await deps.storage.head(key), key).not.toBeNull();
      for (const image of images) {
        const served = await t.request(`/api/images/${image.id}`, { headers: { cookie: member.cookie } });
        expect(served.status).toBe(200);
        await served.arrayBuffer();
      }

      // Once the young orphan is older than the hold timeout, it goes too.
      t.advance((holdTimeoutSeconds + 1) * 1000);
      const later = await sweepOnce(deps, { orphans: true });
      figures.secondSweepOrphansDeleted = later.orphansDeleted;
      expect(later.orphansDeleted).toBe(1);
      expect(await deps.storage.head(freshOrphan)).toBeNull();

      const end = await checkInvariants(t.database.db, {
        now: t.deps.now(),
        config: t.deps.config,
        userIds: [member.userId],
        storage: deps.storage,
      });
      figures.storedObjects = end.figures?.storedObjects;
      expectSound(end);
      expect(end.figures?.storedObjects).toBe(named.length);
    },
  );
}, 60_000);
