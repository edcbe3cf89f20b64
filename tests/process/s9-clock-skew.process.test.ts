/**
 * S9, clock skew (reliability.md §3.2): the production server runs with its
 * whole process clock shifted by libfaketime (LD_PRELOAD + FAKETIME) by +4,
 * +6, −4 and −6 minutes, and receives S1's valid case: a paid Checkout
 * Session's `checkout.session.completed`, signed by the Stripe fake's secret
 * at the real time. Decision 020's window is symmetric,
 * STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300 s either way:
 *   +4 min (server ahead, the event looks 240 s old)        accepted
 *   +6 min (server ahead, the event looks 360 s old)        rejected, too old
 *   −4 min (server behind, the event looks 240 s ahead)     accepted
 *   −6 min (server behind, the event looks 360 s ahead)     rejected, future-skew rule
 * Each server also gets the same event signed at *its* time, which it must
 * accept (and, when the first delivery was accepted, find a duplicate): so a
 * rejection is the clock's doing and nothing else, and the purchase is
 * credited exactly once either way.
 *
 * Mode S: one server on PGlite, which runs inside the skewed process and so
 * shares its clock; a skew against the database clock cannot show there.
 * The second test runs the server on PostgreSQL (a process with the real
 * clock) shifted by +6 min and checks that pg-boss's own clock-skew check
 * (at start, then every 10 min; it warns at 60 s or more) reaches the log,
 * and that /readyz reports the skew against the database clock with the
 * `clock_skew` warning (over 60 s). On PGlite /readyz reports 0 skew.
 *
 * libfaketime is required: without it the test fails and says how to
 * install it (Debian's `faketime` package; .ci/run installs it). Each
 * offset's server starts from a copy of one migrated data directory, so only
 * the first start pays for the migrations.
 */
import { cpSync, globSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { startStripeFake, stripeSignature, type StripeFake } from '../fakes/stripe';
import { fakePriceEnv } from '../support/billing';
import { withDatabaseName } from '../support/postgres';
import { recordOutcome } from '../support/reliability-record';
import { Member } from '../support/stack-client';
import {
  freePort,
  missingBuildReason,
  missingPostgresReason,
  repoRoot,
  sleep,
  StackProcess,
} from '../support/stack';
import { TEST_PROFILE } from '../support/test-profile';

const skip = missingBuildReason();
if (skip) console.log(`[process] S9 skipped: ${skip}`);

const TOLERANCE_SECONDS = 300;
const OFFSETS = [
  { faketime: '+4m', seconds: 240, accepted: true, why: 'the event looks 240 s old: inside the window' },
  { faketime: '+6m', seconds: 360, accepted: false, why: 'the event looks 360 s old: too old' },
  { faketime: '-4m', seconds: -240, accepted: true, why: 'the event looks 240 s ahead: inside the window' },
  { faketime: '-6m', seconds: -360, accepted: false, why: 'the event looks 360 s ahead: future-skew rule' },
] as const;
/** How far the server's Date header may be from real time + offset (it has 1 s resolution). */
const DATE_SLACK_SECONDS = 5;

/** libfaketime's preload library, wherever the distribution put it (Debian: /usr/lib/<arch>/faketime/). */
function findLibfaketime(): string | undefined {
  const patterns = [
    '/usr/lib/*/faketime/libfaketime.so.1',
    '/usr/lib/faketime/libfaketime.so.1',
    '/usr/local/lib/faketime/libfaketime.so.1',
  ];
  return patterns.flatMap((pattern) => globSync(pattern)).sort()[0];
}

function requireLibfaketime(): string {
  const lib = findLibfaketime();
  if (!lib) {
    throw new Error(
      'S9 needs libfaketime, and it is not installed (no libfaketime.so.1 under /usr/lib/*/faketime/). ' +
        'Install it with: apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y faketime',
    );
  }
  return lib;
}

/** The settings of an S server (as stack.ts gives them) with billing pointed at the fake. */
function serverEnv(fake: StripeFake, port: number, extra: Record<string, string>): Record<string, string> {
  const publicUrl = `http://127.0.0.1:${port}`;
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    APP_SECRET: `s9-${randomBytes(24).toString('hex')}`,
    LOG_LEVEL: 'info',
    RENDER_THREADS: '0',
    RATE_LIMIT_SIGN_UP_PER_HOUR: '10000',
    RATE_LIMIT_SIGN_IN_PER_MINUTE: '10000',
    STARTER_CREDITS: '0',
    SHUTDOWN_GRACE_SECONDS: '5',
    ...TEST_PROFILE,
    DATABASE_URL: '',
    WORKER_MODE: 'inline',
    STORAGE_DRIVER: 'disk',
    STRIPE_SECRET_KEY: fake.secretKey,
    STRIPE_WEBHOOK_SECRET: fake.webhookSecret,
    STRIPE_API_BASE: fake.origin,
    STRIPE_WEBHOOK_TOLERANCE_SECONDS: String(TOLERANCE_SECONDS),
    STRIPE_RECONCILE_INTERVAL_MINUTES: '0',
    ...fakePriceEnv,
    ...extra,
  };
}

/** The server's clock minus ours, in seconds, from the Date header of /readyz. */
async function observedSkew(server: StackProcess): Promise<{ skew: number; readyz: unknown }> {
  const response = await fetch(`${server.url}/readyz`);
  const readyz: unknown = await response.json();
  const date = Date.parse(response.headers.get('date') ?? '');
  return { skew: Math.round((date - Date.now()) / 1000), readyz };
}

const postEvent = async (server: StackProcess, body: string, timestamp: number, fake: StripeFake) => {
  const response = await fetch(`${server.url}/api/webhooks/stripe`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'stripe-signature': stripeSignature(body, fake.webhookSecret, timestamp),
    },
    body,
  });
  const json = (await response.json()) as { duplicate?: boolean; error?: { code: string } };
  return { status: response.status, duplicate: json.duplicate, code: json.error?.code };
};

async function creditsOf(member: Member): Promise<number> {
  return (await member.credits()).available;
}

async function waitForCredits(member: Member, expected: number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let available = await creditsOf(member);
  while (available !== expected && Date.now() < deadline) {
    await sleep(100);
    available = await creditsOf(member);
  }
  return available;
}

/** pg-boss's clock-skew warnings in a server's log (queue.ts logs every pg-boss warning). */
function skewWarnings(server: StackProcess): Array<Record<string, unknown>> {
  return server
    .logLines()
    .filter(
      (line) => line.msg === 'job queue warning' && JSON.stringify(line.warning).includes('Clock skew'),
    );
}

describe.skipIf(skip !== undefined)('S9: clock skew of the web process', () => {
  let fake: StripeFake;
  let folder: string;
  let scratch: string;
  let template: string;
  const servers: StackProcess[] = [];

  beforeAll(async () => {
    requireLibfaketime();
    fake = await startStripeFake();
    folder = path.join(repoRoot, 'test-results', 'process', 's9-clock-skew');
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    scratch = mkdtempSync(path.join(tmpdir(), 'imagegen-s9-'));
    // One migrated data directory, copied for each offset.
    template = path.join(scratch, 'template');
    const port = await freePort();
    const first = new StackProcess({
      name: 'template',
      role: 'server',
      logFile: path.join(folder, 'template.log'),
      env: serverEnv(fake, port, { DATA_DIR: template }),
      port,
    });
    servers.push(first);
    await first.start();
    const exit = await first.terminate();
    expect(exit).toEqual({ code: 0, signal: null });
  });

  afterAll(async () => {
    for (const server of servers) await server.kill();
    await fake?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('accepts a delivery at +4 and −4 min and rejects it at +6 and −6 min (300 s either way)', async () => {
    const lib = requireLibfaketime();
    const startedMs = Date.now();
    const figures: Record<string, unknown> = {};
    const perOffset: Array<Record<string, unknown>> = [];
    figures.offsets = perOffset;
    await recordOutcome(
      {
        test: 'S9-clock-skew',
        mode: 'S',
        parameters: {
          offsets: OFFSETS.map((o) => o.faketime),
          toleranceSeconds: TOLERANCE_SECONDS,
          rule: 'decision 020: a signature timestamp more than the tolerance older or newer than our clock is refused',
          event: "S1's valid case: checkout.session.completed of a paid pack_100, signed at the real time",
          libfaketime: lib,
          database: 'PGlite (in the skewed process: shares its clock)',
        },
        seed: null,
        figures,
        startedAt: new Date(startedMs).toISOString(),
        startedMs,
      },
      async () => {
        for (const offset of OFFSETS) {
          const began = Date.now();
          const dataDir = path.join(scratch, `data${offset.faketime}`);
          cpSync(template, dataDir, { recursive: true });
          const port = await freePort();
          const server = new StackProcess({
            name: `server${offset.faketime}`,
            role: 'server',
            logFile: path.join(folder, `server${offset.faketime}.log`),
            env: serverEnv(fake, port, { DATA_DIR: dataDir, LD_PRELOAD: lib, FAKETIME: offset.faketime }),
            port,
          });
          servers.push(server);
          onTestFailed(() => console.log(server.tail(40)));
          await server.start();
          const startMs = Date.now() - began;
          const { skew, readyz } = await observedSkew(server);
          // PGlite shares the skewed clock: the database-clock check sees nothing (and says so).
          expect(readyz).toMatchObject({ clockSkewSeconds: 0, warnings: [] });

          // S1's valid case: a member buys a pack; Stripe (the fake, real clock) signs its completion now.
          const member = await Member.signUp(server.url, server.url, `s9${offset.faketime}`);
          const checkout = await member.request('POST', '/api/billing/checkout', {
            json: { itemId: 'pack_100', lang: 'en' },
          });
          expect(checkout.status, checkout.body).toBe(200);
          const sessionId = checkout.json<{ url: string }>().url.split('/').pop()!;
          fake.completeCheckout(sessionId);
          const event = fake.store.events.find(
            (e) =>
              e.type === 'checkout.session.completed' &&
              (e.data as { object: { id: string } }).object.id === sessionId,
          )!;
          const body = JSON.stringify(event, null, 2);
          const realNow = Math.floor(Date.now() / 1000);
          const delivery = await postEvent(server, body, realNow, fake);
          const creditsAfterDelivery = await waitForCredits(member, offset.accepted ? 100 : 0);
          // The control: the same event signed at the server's own time is always accepted.
          const control = await postEvent(server, body, realNow + offset.seconds, fake);
          const creditsAfterControl = await waitForCredits(member, 100);

          const exit = await server.terminate();
          perOffset.push({
            faketime: offset.faketime,
            observedSkewSeconds: skew,
            delivery: delivery.status,
            code: delivery.code ?? null,
            expected: offset.accepted ? 'accepted' : 'rejected',
            why: offset.why,
            creditsAfterDelivery,
            control: control.status,
            controlDuplicate: control.duplicate ?? null,
            creditsAfterControl,
            skewWarnings: skewWarnings(server).length,
            readyzKeys: Object.keys(readyz as object),
            startMs,
            totalMs: Date.now() - began,
          });

          expect(
            Math.abs(skew - offset.seconds),
            `server clock vs real + ${offset.faketime}`,
          ).toBeLessThanOrEqual(DATE_SLACK_SECONDS);
          if (offset.accepted) {
            expect(delivery).toEqual({ status: 200, duplicate: false, code: undefined });
            expect(creditsAfterDelivery).toBe(100);
            expect(control).toEqual({ status: 200, duplicate: true, code: undefined });
          } else {
            expect(delivery).toEqual({ status: 400, duplicate: undefined, code: 'invalid_signature' });
            expect(creditsAfterDelivery).toBe(0);
            expect(control).toEqual({ status: 200, duplicate: false, code: undefined });
          }
          expect(creditsAfterControl).toBe(100);
          expect(exit).toEqual({ code: 0, signal: null });
        }
        figures.acceptReject = Object.fromEntries(
          perOffset.map((o) => [o.faketime, o.delivery === 200 ? 'accepted' : 'rejected']),
        );
      },
    );
  });

  const noPostgres = missingPostgresReason();
  if (noPostgres) console.log(`[process] S9 on PostgreSQL skipped: ${noPostgres}`);
  it.skipIf(noPostgres !== undefined)(
    'on PostgreSQL, a server 6 min ahead of the database logs pg-boss’s clock-skew warning at start',
    async () => {
      const lib = requireLibfaketime();
      const startedMs = Date.now();
      const adminUrl = process.env.TEST_DATABASE_URL!;
      const name = `imagegen_s9_${randomBytes(4).toString('hex')}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const port = await freePort();
      const server = new StackProcess({
        name: 'server-postgres+6m',
        role: 'server',
        logFile: path.join(folder, 'server-postgres+6m.log'),
        env: serverEnv(fake, port, {
          DATA_DIR: path.join(scratch, 'postgres'),
          DATABASE_URL: withDatabaseName(adminUrl, name),
          LD_PRELOAD: lib,
          FAKETIME: '+6m',
        }),
        port,
      });
      servers.push(server);
      onTestFailed(() => console.log(server.tail(40)));
      const figures: Record<string, unknown> = {};
      try {
        await recordOutcome(
          {
            test: 'S9-clock-skew-db',
            mode: 'S',
            parameters: {
              faketime: '+6m',
              database: 'PostgreSQL (its own process, real clock)',
              check:
                'pg-boss measures the skew against the database at start and every clockMonitorIntervalSeconds (600 s); it warns at >= 60 s',
            },
            seed: null,
            figures,
            startedAt: new Date(startedMs).toISOString(),
            startedMs,
          },
          async () => {
            await server.start();
            const { skew, readyz } = await observedSkew(server);
            // The check runs while pg-boss starts, before /readyz answers; give the log a moment anyway.
            const deadline = Date.now() + 5_000;
            while (skewWarnings(server).length === 0 && Date.now() < deadline) await sleep(100);
            const warnings = skewWarnings(server);
            Object.assign(figures, {
              observedSkewSeconds: skew,
              skewWarnings: warnings.length,
              warning: warnings[0]?.warning ?? null,
              readyz,
              readyzReportsSkew: JSON.stringify(readyz).toLowerCase().includes('clock_skew'),
            });
            const reported = readyz as { clockSkewSeconds: number; warnings: string[] };
            expect(reported.warnings).toEqual(['clock_skew']);
            expect(Math.abs(reported.clockSkewSeconds - 360)).toBeLessThanOrEqual(DATE_SLACK_SECONDS);
            expect(Math.abs(skew - 360)).toBeLessThanOrEqual(DATE_SLACK_SECONDS);
            expect(warnings).toHaveLength(1);
            const data = (warnings[0]!.warning as { data: { seconds: number; direction: string } }).data;
            expect(Math.abs(data.seconds - 360)).toBeLessThanOrEqual(DATE_SLACK_SECONDS);
            expect(data.direction).toBe('faster');
            expect(await server.terminate()).toEqual({ code: 0, signal: null });
          },
        );
      } finally {
        await server.kill();
        const cleanup = new pg.Client({ connectionString: adminUrl });
        await cleanup.connect();
        await cleanup.query(`drop database if exists ${name} with (force)`);
        await cleanup.end();
      }
    },
  );
});
