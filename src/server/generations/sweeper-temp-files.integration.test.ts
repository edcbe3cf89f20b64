/**
 * The sweeper's storage pass on the disk driver: a write the process died in
 * (SIGKILL between writing and renaming) leaves a `.tmp-*` file that no key
 * names; the orphan pass removes it once it is older than any running job,
 * and leaves younger ones, which may belong to a write in progress.
 */
import { mkdirSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../tests/support/app';
import { sweepOnce } from './sweeper';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('the sweeper on disk storage', () => {
  it('removes temporary files that interrupted writes left, once they are older than the hold timeout', async () => {
    const { storage } = t.deps.config;
    if (storage.driver !== 'disk') throw new Error('the test app stores on disk');
    const folder = path.join(storage.root, 'generations', randomUUID());
    mkdirSync(folder, { recursive: true });
    const stale = path.join(folder, `.tmp-${randomUUID()}`);
    const fresh = path.join(folder, `.tmp-${randomUUID()}`);
    writeFileSync(stale, 'half an image');
    writeFileSync(fresh, 'a write in progress');
    const holdTimeoutMs = t.deps.config.generation.holdTimeoutSeconds * 1000;
    const old = new Date(Date.now() - holdTimeoutMs - 60_000);
    utimesSync(stale, old, old);

    const report = await sweepOnce(t.platform.generation, { orphans: true });
    expect(report.tempFilesRemoved).toBe(1);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(fresh)).toBe(true);

    // A pass without the storage sweep leaves them alone.
    utimesSync(fresh, old, old);
    expect((await sweepOnce(t.platform.generation)).tempFilesRemoved).toBe(0);
    expect(existsSync(fresh)).toBe(true);
  });
});
