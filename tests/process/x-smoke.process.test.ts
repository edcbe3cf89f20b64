/**
 * Issue 3, part 9: "the same suites pass on PostgreSQL with two separate
 * worker processes". The generation journey of the integration suites, run
 * on the X stack (PostgreSQL, s3rver, 2 web processes with
 * WORKER_MODE=separate, 2 worker processes): members generate and pay
 * exactly the price, a policy failure is refunded with nobody watching, a
 * slow generation is canceled, one is deleted; the end state is sound and
 * both workers took jobs.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { checkEndState, runsFromLogs } from '../support/stack-checker';
import { Member, type GenerationView } from '../support/stack-client';
import { missingBuildReason, missingPostgresReason, sleep, startXStack, type Stack } from '../support/stack';

const skip = missingBuildReason() ?? missingPostgresReason();
if (skip) console.log(`[process] X smoke skipped: ${skip}`);

describe.skipIf(skip !== undefined)('X stack: the same journey with two separate workers', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startXStack({
      name: 'x-smoke',
      webs: 2,
      workers: 2,
      env: { STARTER_CREDITS: '100', LOCAL_PROVIDER_LATENCY_MS: '300' },
    });
  });
  afterAll(async () => {
    await stack?.teardown();
  });

  it('generates, charges exactly, refunds unwatched, cancels and deletes; both workers take jobs', async () => {
    onTestFailed(() => console.log(stack.logTails(40)));
    const [web1, web2] = stack.webs;
    const alice = await Member.signUp(web1!.url, stack.publicUrl, 'alice');
    const bob = (await Member.signUp(web1!.url, stack.publicUrl, 'bob')).via(web2!.url);
    expect(await alice.credits()).toEqual({ available: 100, held: 0 });
    expect(await bob.credits()).toEqual({ available: 100, held: 0 });
    const accepted: string[] = [];
    const create = async (member: Member, body: Parameters<Member['createOrThrow']>[0]) => {
      const result = await member.createOrThrow(body);
      accepted.push(result.id);
      return result;
    };

    // Four images on web1: the price is held, then charged exactly.
    const four = await create(alice, { prompt: 'a lighthouse at sunset', n: 4, seed: 7 });
    expect(four.cost).toBe(4);
    const fourDone = await alice.waitFinished(four.id, 30_000);
    expect(fourDone).toMatchObject({ status: 'succeeded', charged: 4, errorCode: null });
    expect(fourDone.images.map((image) => image.seed)).toEqual([7, 8, 9, 10]);
    expect(await alice.credits()).toEqual({ available: 96, held: 0 });
    // Any web process serves the images (they are in the shared bucket).
    const original = await bob.via(web2!.url).image(fourDone.images[0]!.url);
    expect(original.status).toBe(404); // not Bob's
    const mine = await alice.via(web2!.url).image(fourDone.images[0]!.url);
    expect(mine.status).toBe(200);
    expect(mine.headers.get('content-type')).toBe('image/png');
    expect((await alice.thumbnail(fourDone.images[0]!.thumbUrl)).headers.get('content-type')).toBe(
      'image/webp',
    );

    // A policy failure nobody watches: refunded by the workers alone.
    const refused = await create(bob, { prompt: 'forbidden [fail:content_policy]', n: 2 });
    // A burst from both members over both web processes, for both workers.
    const burst = await Promise.all(
      Array.from({ length: 16 }, async (_, i) => {
        const member = i % 2 ? bob : alice;
        return { member, ...(await create(member, { prompt: `harbor ${i}`, n: 1 })) };
      }),
    );
    // A slow one (four rate-limited attempts, 1 s Retry-After each), canceled while it runs.
    const slow = await create(alice, { prompt: 'a slow city [fail:rate_limited:4]', n: 2 });
    const running = await pollUntil(
      () => alice.generation(slow.id),
      (view) => view.status === 'running',
      15_000,
    );
    expect(running.status).toBe('running');
    const canceled = await alice.cancel(slow.id);
    expect(canceled.status).toBe(200);
    expect(canceled.json<GenerationView>()).toMatchObject({ status: 'canceled', charged: 0 });

    for (const { id, member } of burst) {
      expect((await member.waitFinished(id, 30_000)).status, id).toBe('succeeded');
    }
    // Only now look at the refused one: it ended without anyone asking.
    const refusedDone = await bob.waitFinished(refused.id, 30_000);
    expect(refusedDone).toMatchObject({
      status: 'failed',
      errorCode: 'content_policy',
      charged: 0,
      images: [],
    });
    // The canceled run ends without images or a charge, even after its provider call would have finished.
    await sleep(5_000);
    expect(await alice.generation(slow.id)).toMatchObject({ status: 'canceled', charged: 0, images: [] });
    expect(await alice.credits()).toEqual({ available: 100 - 4 - 8, held: 0 });
    expect(await bob.credits()).toEqual({ available: 100 - 8, held: 0 });

    // Delete the four-image generation: gone, and so are its images.
    expect((await alice.via(web2!.url).delete(four.id)).status).toBe(204);
    expect((await alice.request('GET', `/api/generations/${four.id}`)).status).toBe(404);
    expect((await alice.image(fourDone.images[0]!.url)).status).toBe(404);

    // Stop everything cleanly, then read the end state from PostgreSQL and the bucket.
    const exits = await stack.stopAll();
    expect(
      Object.values(exits).every((exit) => exit.code === 0),
      JSON.stringify(exits),
    ).toBe(true);
    const runsPerWorker = stack.workers.map((worker) => runsFromLogs(worker.logLines()).size);
    const database = await stack.openDatabase();
    try {
      const report = await checkEndState({ database, config: stack.config, accepted, deleted: [four.id] });
      console.log(
        `[x-smoke] runs per worker ${JSON.stringify(runsPerWorker)}; ${JSON.stringify(report.generations)}`,
      );
      expect(report.problems).toEqual([]);
      expect(report.generations.byStatus).toEqual({ succeeded: 16, failed: 1, canceled: 1 });
      expect(report.storage.objectsAfterSweep).toBe(16 * 2);
    } finally {
      await database.close();
    }
    expect(
      runsPerWorker.every((runs) => runs > 0),
      `runs per worker: ${runsPerWorker.join(', ')}`,
    ).toBe(true);
  });
});

async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(100);
    value = await read();
  }
  return value;
}
