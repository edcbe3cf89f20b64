import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collect } from '../../../tests/support/storage-contract';
import { createDiskStorage, type DiskStorage } from './disk-storage';
import { findOrphans, sweepOrphans } from './find-orphans';

const png = { contentType: 'image/png' };
const longAgo = new Date('2026-01-01T00:00:00Z');
const cutoff = new Date('2026-06-01T00:00:00Z');
const afterCutoff = new Date('2026-06-01T00:00:01Z');

describe('orphan sweep', () => {
  let dir: string;
  let storage: DiskStorage;
  /** Keys the "database" references. */
  let referenced: Set<string>;
  let batches: string[][];
  const knownKeys = async (keys: string[]) => {
    batches.push(keys);
    return keys.filter((key) => referenced.has(key));
  };

  /** Stores an object and sets its modification time, as if written then. */
  async function putAt(key: string, when: Date) {
    await storage.put(key, Buffer.from(key), png);
    await utimes(path.join(storage.root, key), when, when);
  }

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'imagegen-orphans-'));
    storage = await createDiskStorage({ root: dir });
    batches = [];
    referenced = new Set();
    for (let i = 0; i < 7; i++) await putAt(`generations/g${i}/0.png`, longAgo);
    await putAt('generations/g9/0.png', afterCutoff); // recent: its row may not be committed yet
    await putAt('avatars/a/0.png', longAgo); // outside the prefix
    referenced = new Set(['generations/g1/0.png', 'generations/g4/0.png', 'generations/g6/0.png']);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds unreferenced objects older than the cut-off, asking in batches', async () => {
    const found = await collect(
      findOrphans({ storage, prefix: 'generations/', knownKeys, modifiedBefore: cutoff, batchSize: 3 }),
    );
    expect(found.flat().map((entry) => entry.key)).toEqual([
      'generations/g0/0.png',
      'generations/g2/0.png',
      'generations/g3/0.png',
      'generations/g5/0.png',
    ]);
    expect(batches.map((batch) => batch.length)).toEqual([3, 3, 1]);
    expect(batches.flat()).not.toContain('generations/g9/0.png');
    expect(batches.flat()).not.toContain('avatars/a/0.png');
  });

  it('deletes the orphans and nothing else', async () => {
    expect(
      await sweepOrphans({
        storage,
        prefix: 'generations/',
        knownKeys,
        modifiedBefore: cutoff,
        batchSize: 2,
      }),
    ).toEqual({ orphans: 4, deleted: 4 });
    expect((await collect(storage.list(''))).map((entry) => entry.key)).toEqual([
      'avatars/a/0.png',
      'generations/g1/0.png',
      'generations/g4/0.png',
      'generations/g6/0.png',
      'generations/g9/0.png',
    ]);
  });

  it('only counts in a dry run', async () => {
    expect(
      await sweepOrphans({
        storage,
        prefix: 'generations/',
        knownKeys,
        modifiedBefore: cutoff,
        dryRun: true,
      }),
    ).toEqual({ orphans: 4, deleted: 0 });
    expect(await collect(storage.list('generations/'))).toHaveLength(8);
  });

  it('finds nothing when every old object is referenced', async () => {
    referenced = new Set(Array.from({ length: 7 }, (_, i) => `generations/g${i}/0.png`));
    expect(
      await collect(findOrphans({ storage, prefix: 'generations/', knownKeys, modifiedBefore: cutoff })),
    ).toEqual([]);
  });
});
