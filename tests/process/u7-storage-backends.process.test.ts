/**
 * U7, storage backends (reliability.md 3.4; issue 3, part 9): the S stack on
 * disk and the X stack on s3rver each run Q1 with 5 kills. On both, J3 holds
 * after the orphan sweep (no object without a row, no row without its
 * objects), and no API response (generation JSON, history pages, image
 * responses' headers) carries an object key or the storage's location.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { expectKillRoundSound, finishKillRound, killRoundFigures, runKillRound } from '../support/kill-run';
import { recordOutcome, testSeed } from '../support/reliability-record';
import type { ResponseObserver } from '../support/stack-client';
import {
  missingBuildReason,
  missingPostgresReason,
  startSStack,
  startXStack,
  type Stack,
  type StackOptions,
} from '../support/stack';

const buildMissing = missingBuildReason();
const postgresMissing = missingPostgresReason();
if (buildMissing) console.log(`[process] U7 skipped: ${buildMissing}`);
else if (postgresMissing) console.log(`[process] U7 on s3rver (mode X) skipped: ${postgresMissing}`);

const FINISH_BOUND_MS = (90 + 5) * 1000 + 20_000;
/** Torn down after each test, also when it failed or timed out. */
const running: Stack[] = [];
afterEach(async () => {
  for (const stack of running.splice(0)) await stack.teardown();
});

const KILLS = 5;
/** The kills, the finish bound, and a minute for starting, reading images, checking and stopping. */
const TIMEOUT_MS = 60_000 + FINISH_BOUND_MS + 60_000;
/** A generation output's key, as the platform makes them (decision 013). */
const objectKeyPattern = /generations\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/\d+\./i;

/** Watches every response for object keys, the storage's location and S3's own headers. */
function leakScanner(stack: Stack) {
  const leaks: string[] = [];
  let responses = 0;
  const observer: ResponseObserver = ({ url, headers, body }) => {
    responses += 1;
    const headerText = [...headers].map(([name, value]) => `${name}: ${value}`).join('\n');
    const text = `${body}\n${headerText}`;
    if (objectKeyPattern.test(text)) leaks.push(`${url}: an object key`);
    for (const location of stack.storageLocations)
      if (text.includes(location)) leaks.push(`${url}: ${location}`);
    if (/^x-amz-/im.test(headerText)) leaks.push(`${url}: an S3 header`);
  };
  return { observer, leaks, responses: () => responses };
}

/** Files the disk driver left mid-write (a kill between write and rename): never objects, but disk space until the sweep. */
function tempFiles(root: string): number {
  let count = 0;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(dir, entry.name));
      else if (entry.name.startsWith('.tmp-')) count += 1;
    }
  };
  try {
    walk(root);
  } catch {
    return 0;
  }
  return count;
}

async function u7(options: {
  mode: 'S' | 'X';
  start: (options: StackOptions) => Promise<Stack>;
  stackOptions: StackOptions;
  generations: number;
  minUptimeMs: number;
}) {
  const seed = testSeed(`U7 ${options.mode}`);
  const startedMs = Date.now();
  const stack = await options.start(options.stackOptions);
  running.push(stack);
  onTestFailed(() => console.log(stack.logTails(25)));
  const scan = leakScanner(stack);
  const parameters = {
    generations: options.generations,
    members: 6,
    kills: KILLS,
    killIntervalMs: 3_000,
    minUptimeMs: options.minUptimeMs,
    failShare: 0.1,
    twoImageShare: 0.3,
    finishBoundMs: FINISH_BOUND_MS,
    storage: stack.config.storage.driver,
    env: { ...options.stackOptions.env, ...options.stackOptions.workerEnv },
  };
  const round = await runKillRound({ stack, seed, observer: scan.observer, ...parameters });
  // Every member reads each generation and fetches every image and thumbnail once.
  let images = 0;
  const imageStatuses = new Set<number>();
  for (const member of round.members) {
    for (const view of await member.list()) {
      await member.generation(view.id);
      for (const image of view.images) {
        for (const url of [image.url, image.thumbUrl, image.downloadUrl]) {
          imageStatuses.add((await member.image(url)).status);
          images += 1;
        }
      }
    }
  }
  const end = await finishKillRound(stack, round);
  const leftTempFiles = stack.config.storage.driver === 'disk' ? tempFiles(stack.config.storage.root) : null;
  await recordOutcome(
    {
      test: 'u7-storage-backends',
      mode: options.mode,
      parameters,
      seed,
      figures: {
        ...killRoundFigures(round, end),
        responsesScanned: scan.responses(),
        imageResponses: images,
        leaks: scan.leaks.slice(0, 20),
        diskTempFilesLeft: leftTempFiles,
      },
      startedAt: new Date(startedMs).toISOString(),
      startedMs,
    },
    () => {
      expectKillRoundSound(round, end, { kills: KILLS, holdsMayExpire: options.mode === 'S' });
      expect(end.report.storage.objectsAfterSweep).toBeGreaterThan(0);
      // J3 on this backend.
      expect(end.report.storage.orphansAfterSweep).toBe(0);
      expect(end.report.storage.danglingRows).toBe(0);
      // No key, bucket address or storage folder in anything the API answered.
      expect(images).toBeGreaterThan(0);
      expect([...imageStatuses]).toEqual([200]);
      expect(scan.leaks).toEqual([]);
      // Writes cut short by a kill leave nothing on disk after the sweep.
      if (leftTempFiles !== null) expect(leftTempFiles).toBe(0);
    },
  );
}

describe('U7: the scanner finds what it looks for', () => {
  it('matches a real object key and nothing in the API paths', () => {
    expect(objectKeyPattern.test('generations/5f0c1c8e-0d4b-4c59-9d4e-2b1f0e6a7c3d/0.thumb.webp')).toBe(true);
    expect(objectKeyPattern.test('/api/generations/5f0c1c8e-0d4b-4c59-9d4e-2b1f0e6a7c3d/events')).toBe(false);
    expect(objectKeyPattern.test('/api/images/5f0c1c8e-0d4b-4c59-9d4e-2b1f0e6a7c3d/thumb')).toBe(false);
  });
});

describe.skipIf(buildMissing !== undefined)('U7 on disk (mode S)', () => {
  it(
    '5 kills of the single process: J3 holds on disk and no response names a file',
    async () => {
      await u7({
        mode: 'S',
        start: startSStack,
        stackOptions: {
          name: 'u7-s',
          env: {
            LOCAL_PROVIDER_LATENCY_MS: '500',
            LOCAL_PROVIDER_LATENCY_JITTER_MS: '1500',
            STARTER_CREDITS: '100',
          },
        },
        generations: 60,
        minUptimeMs: 3_000,
      });
    },
    TIMEOUT_MS,
  );
});

describe.skipIf(buildMissing !== undefined || postgresMissing !== undefined)('U7 on s3rver (mode X)', () => {
  it(
    '5 kills of a random worker: J3 holds in the bucket and no response names it',
    async () => {
      await u7({
        mode: 'X',
        start: startXStack,
        stackOptions: {
          name: 'u7-x',
          webs: 2,
          workers: 2,
          env: {
            LOCAL_PROVIDER_LATENCY_MS: '500',
            LOCAL_PROVIDER_LATENCY_JITTER_MS: '1500',
            STARTER_CREDITS: '100',
          },
          workerEnv: { WORKER_CONCURRENCY: '4' },
        },
        generations: 80,
        minUptimeMs: 0,
      });
    },
    TIMEOUT_MS,
  );
});
