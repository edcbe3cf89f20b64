/**
 * Q5, graceful shutdown (reliability.md 3.3), on the X stack:
 *  - a worker process gets SIGTERM while ~20 jobs of ~5 s run: it fetches
 *    nothing new, finishes all 20, leaves no job active and exits 0;
 *  - a web process gets SIGTERM with an SSE stream open and requests in
 *    flight: /readyz answers 503 during SHUTDOWN_READINESS_DELAY_SECONDS, the
 *    requests complete, the stream ends, and the client reconnects to the
 *    other web process and sees the final state.
 */
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { queryRows, type Database } from '../../src/server/db/client';
import { recordOutcome } from '../support/reliability-record';
import { checkEndState, runsFromLogs } from '../support/stack-checker';
import { Member, type GenerationView } from '../support/stack-client';
import { missingBuildReason, missingPostgresReason, sleep, startXStack, type Stack } from '../support/stack';

const skip = missingBuildReason() ?? missingPostgresReason();
if (skip) console.log(`[process] Q5 skipped: ${skip}`);

/** Jobs of ~5 s: each attempt may take 8 s, two attempts stay under the 20 s job expiry. */
const slowProvider = {
  LOCAL_PROVIDER_LATENCY_MS: '5000',
  GENERATION_ATTEMPT_TIMEOUT_SECONDS: '8',
  GENERATION_MAX_ATTEMPTS: '2',
  STARTER_CREDITS: '100',
};

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.teardown();
  stack = undefined;
});

async function count(database: Database, query: ReturnType<typeof sql>): Promise<number> {
  const [row] = await queryRows<{ n: number }>(database.db, query);
  return row?.n ?? 0;
}

describe.skipIf(skip !== undefined)('Q5: graceful shutdown', () => {
  it('a worker given SIGTERM with 20 jobs running fetches nothing new, finishes them all and exits 0', async () => {
    const startedMs = Date.now();
    stack = await startXStack({
      name: 'q5-worker',
      workers: 2,
      startWorkers: false,
      env: slowProvider,
      workerEnv: { WORKER_CONCURRENCY: '24' },
    });
    const s = stack;
    onTestFailed(() => console.log(s.logTails(30)));
    const [worker1, worker2] = s.workers;
    await worker1!.start();
    const web = s.webs[0]!;
    const members = await Promise.all([0, 1].map(() => Member.signUp(web.url, s.publicUrl, 'q5')));
    const first = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        members[i % 2]!.createOrThrow({ prompt: `slow ocean ${i}`, n: 1 }),
      ),
    );
    const database = await s.openDatabase();
    try {
      // All 20 running on worker1 before the signal.
      const deadline = Date.now() + 20_000;
      while (
        (await count(database, sql`select count(*)::int as n from generations where status = 'running'`)) < 20
      ) {
        if (Date.now() > deadline) throw new Error('the 20 generations did not all start running');
        await sleep(100);
      }
      const activeAtSigterm = await count(
        database,
        sql`select count(*)::int as n from pgboss.job where name = 'generate' and state = 'active'`,
      );
      const sigtermAt = Date.now();
      worker1!.signal('SIGTERM');
      // New work arrives while it drains: a stopping worker must not take it.
      const late = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          members[i % 2]!.createOrThrow({ prompt: `late desert ${i}`, n: 1 }),
        ),
      );
      const exit = await Promise.race([worker1!.exited(), sleep(40_000).then(() => 'timeout' as const)]);
      const drainMs = Date.now() - sigtermAt;
      const states = await queryRows<{ id: string; status: string }>(
        database.db,
        sql`select id::text as id, status from generations`,
      );
      const statusOf = new Map(states.map((row) => [row.id, row.status]));
      const activeAfterExit = await count(
        database,
        sql`select count(*)::int as n from pgboss.job where name = 'generate' and state = 'active'`,
      );
      const lateJobStates = await queryRows<{ state: string }>(
        database.db,
        sql`select j.state from pgboss.job j join generations g on g.job_id = j.id::text where g.id = any(${`{${late.map((g) => g.id).join(',')}}`}::uuid[])`,
      );
      const runsOfWorker1 = runsFromLogs(worker1!.logLines());
      const lateRunOnWorker1 = late.filter(({ id }) => runsOfWorker1.has(id)).length;

      // The late ones are then run by the other worker.
      await worker2!.start();
      const lateDone = await Promise.all(late.map(({ id }, i) => members[i % 2]!.waitFinished(id, 30_000)));
      await s.stopAll();
      const report = await checkEndState({
        database,
        config: s.config,
        accepted: [...first, ...late].map((g) => g.id),
      });
      const figures = {
        activeAtSigterm,
        finishedAfterSigterm: first.filter(({ id }) => statusOf.get(id) === 'succeeded').length,
        lateFetchedByStoppingWorker: lateRunOnWorker1,
        lateJobStatesAtExit: lateJobStates.map((row) => row.state),
        activeJobsAfterExit: activeAfterExit,
        exit,
        drainMs,
        runsOnWorker1: runsOfWorker1.size,
        problems: report.problems,
      };
      await recordOutcome(
        {
          test: 'q5-worker-sigterm',
          mode: 'X',
          parameters: { jobs: 20, late: 5, ...slowProvider, WORKER_CONCURRENCY: 24 },
          seed: null,
          figures,
          startedAt: new Date(startedMs).toISOString(),
          startedMs,
        },
        () => {
          expect(activeAtSigterm).toBe(20);
          expect(exit).toEqual({ code: 0, signal: null });
          expect(first.map(({ id }) => statusOf.get(id))).toEqual(first.map(() => 'succeeded'));
          expect(activeAfterExit).toBe(0);
          // Not fetched: still waiting in the queue, never started by worker1.
          expect(late.map(({ id }) => statusOf.get(id))).toEqual(late.map(() => 'queued'));
          expect(lateJobStates.map((row) => row.state)).toEqual(late.map(() => 'created'));
          expect(lateRunOnWorker1).toBe(0);
          expect(runsOfWorker1.size).toBe(20);
          expect(lateDone.map((view) => view.status)).toEqual(late.map(() => 'succeeded'));
          expect(report.problems).toEqual([]);
        },
      );
    } finally {
      await database.close();
    }
  });

  it('a web process given SIGTERM turns unready, finishes in-flight requests and ends its SSE stream', async () => {
    const startedMs = Date.now();
    const delaySeconds = 3;
    stack = await startXStack({
      name: 'q5-web',
      webs: 2,
      workers: 1,
      env: slowProvider,
      webEnv: { SHUTDOWN_READINESS_DELAY_SECONDS: String(delaySeconds), SHUTDOWN_GRACE_SECONDS: '15' },
    });
    const s = stack;
    onTestFailed(() => console.log(s.logTails(30)));
    const [web1, web2] = s.webs;
    const member = await Member.signUp(web1!.url, s.publicUrl, 'q5web');
    const onWeb2 = member.via(web2!.url);
    const watched = await onWeb2.createOrThrow({ prompt: 'a slow snowy forest', n: 1 });
    const stream = await onWeb2.events(watched.id);
    await waitUntil(() => stream.events.length > 0, 5_000);

    // Requests in flight at the signal: a POST whose body is still coming, and a few reads.
    let releaseBody!: () => void;
    const bodyReleased = new Promise<void>((resolve) => (releaseBody = resolve));
    const slowPost = onWeb2.slowPost(
      '/api/generations',
      { prompt: 'late harbor', modelId: 'local-preview', size: '512x512', n: 1 },
      bodyReleased,
    );
    await sleep(200);
    const sigtermAt = Date.now();
    web2!.signal('SIGTERM');
    const reads = Promise.all(Array.from({ length: 5 }, () => onWeb2.request('GET', '/api/credits')));

    // During the readiness delay: /readyz answers 503, and the stream ends.
    const readiness: number[] = [];
    let streamEndedMs: number | null = null;
    void stream.done.then(() => (streamEndedMs = Date.now() - sigtermAt));
    while (Date.now() - sigtermAt < (delaySeconds - 0.5) * 1000) {
      try {
        const response = await fetch(`${web2!.url}/readyz`, { signal: AbortSignal.timeout(1_000) });
        readiness.push(response.status);
        await response.body?.cancel();
      } catch {
        readiness.push(0);
      }
      await sleep(200);
    }
    const streamEnd = await Promise.race([stream.done, sleep(5_000).then(() => 'still open' as const)]);
    // Past the delay the listener is closed: new connections are refused,
    // while the POST started before the signal still gets its answer.
    await sleep(delaySeconds * 1000 - (Date.now() - sigtermAt) + 500);
    const refused = await fetch(`${web2!.url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => `status ${response.status}`,
      (error: unknown) =>
        error instanceof Error
          ? String((error.cause as { code?: string } | undefined)?.code ?? error.message)
          : 'error',
    );
    releaseBody();
    const posted = await slowPost;
    const readStatuses = (await reads).map((response) => response.status);
    const exit = await Promise.race([web2!.exited(), sleep(20_000).then(() => 'timeout' as const)]);

    // The client reconnects to the other web process and follows to the end.
    const again = await member.events(watched.id);
    const reconnectEnd = await Promise.race([again.done, sleep(30_000).then(() => 'timeout' as const)]);
    const finalView: GenerationView | undefined = again.events.at(-1);
    const postedId = posted.status === 202 ? (JSON.parse(posted.body) as { id: string }).id : undefined;
    const postedDone = postedId ? await member.waitFinished(postedId, 30_000) : undefined;
    await s.stopAll();
    const database = await s.openDatabase();
    try {
      const report = await checkEndState({
        database,
        config: s.config,
        accepted: [watched.id, ...(postedId ? [postedId] : [])],
      });
      await recordOutcome(
        {
          test: 'q5-web-sigterm',
          mode: 'X',
          parameters: {
            SHUTDOWN_READINESS_DELAY_SECONDS: delaySeconds,
            SHUTDOWN_GRACE_SECONDS: 15,
            ...slowProvider,
          },
          seed: null,
          figures: {
            readinessDuringDelay: readiness,
            streamEnd,
            streamEndedMs,
            eventsBeforeEnd: stream.events.map((view) => view.status),
            newConnectionAfterClose: refused,
            inFlightPost: posted.status,
            inFlightReads: readStatuses,
            exit,
            reconnectEnd,
            finalStatus: finalView?.status ?? null,
            problems: report.problems,
          },
          startedAt: new Date(startedMs).toISOString(),
          startedMs,
        },
        () => {
          expect(readiness.length).toBeGreaterThan(0);
          expect(
            readiness.every((status) => status === 503),
            readiness.join(','),
          ).toBe(true);
          expect(streamEnd).toBe('ended');
          expect(streamEndedMs).not.toBeNull();
          expect(streamEndedMs!).toBeLessThan(delaySeconds * 1000);
          expect(refused).toBe('ECONNREFUSED');
          expect(posted.status).toBe(202);
          expect(readStatuses).toEqual([200, 200, 200, 200, 200]);
          expect(exit).toEqual({ code: 0, signal: null });
          expect(reconnectEnd).toBe('ended');
          expect(finalView).toMatchObject({ id: watched.id, status: 'succeeded' });
          expect(postedDone?.status).toBe('succeeded');
          expect(report.problems).toEqual([]);
        },
      );
    } finally {
      await database.close();
    }
  });
});

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(50);
  }
}
