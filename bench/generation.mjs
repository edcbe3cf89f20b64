#!/usr/bin/env node
/**
 * Generation benchmark (npm run bench:generation). Builds nothing: run
 * `npm run build` first.
 *
 * The production build runs as it does in production (embedded default:
 * PGlite, the in-process pg-boss worker, disk storage; the environment
 * `npm start` gives it, bench/bench-server.mjs) in a child process on
 * loopback, with the built-in provider at a fixed latency, so provider time
 * is known. bench/generation-probe.mjs is loaded into it with `--import` to
 * report its event-loop delay and memory over IPC; the build itself is
 * unchanged. Members sign up through the real API and every generation is
 * submitted over HTTP as the pages do (POST, then the SSE status stream).
 *
 * Phases, in one run:
 *   sequential  single submissions, each after the previous one finished, on
 *               an idle queue: overhead = (SSE shows `succeeded`) − (POST
 *               sent) − provider time (the latencies recorded in
 *               generations.attempts, render included), with a breakdown;
 *               pickup = job created → fetched (pg-boss created_on →
 *               started_on) and → handler started (row created_at → started_at).
 *   inflight    BENCH_INFLIGHT generations submitted at once by enough
 *               members to stay within GENERATION_MAX_ACTIVE_PER_USER, drained
 *               by the one in-process worker (WORKER_CONCURRENCY as configured):
 *               time to drain, throughput, peak RSS and event-loop delay of the
 *               server, outcomes, and the ledger checker's verdict.
 *   thumbnails  in this process (generation-thumbnails.mjs), on provider-made
 *               images: the platform's makeThumbnail against a bare sharp
 *               resize-to-WebP, same inputs, same concurrency, interleaved;
 *               and the whole storing path (processImage + makeThumbnail)
 *               against its bare equivalent.
 * After the server stops, the benchmark opens its database (PGlite has one
 * owner at a time) for the timestamps and the ledger check; those modules and
 * the image code are loaded from the TypeScript sources with Node's type
 * stripping (see bench/local-provider.mjs).
 *
 * Prints one JSON document: figures, never assertions. Milliseconds unless
 * a name says otherwise. Bounded: every wait has a deadline.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { serverEnv } from '../scripts/server-env.mjs';
import { benchAddress, signUpMember, startBenchServer } from './bench-server.mjs';
import { benchDatabase } from './generation-database.mjs';
import { thumbnailPhase } from './generation-thumbnails.mjs';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (!specifier.startsWith('.')) throw error;
      try {
        return nextResolve(`${specifier}.ts`, context);
      } catch {
        return nextResolve(`${specifier}/index.ts`, context);
      }
    }
  },
});

const root = path.resolve(import.meta.dirname, '..');
const env = (name, fallback) => Number(process.env[name] || fallback);
const PROVIDER_LATENCY_MS = env('BENCH_PROVIDER_LATENCY_MS', 200);
const WARMUP = env('BENCH_WARMUP', 10);
const SEQUENTIAL = env('BENCH_SEQUENTIAL', 200);
const INFLIGHT = env('BENCH_INFLIGHT', 1000);
const SUBMITTERS = env('BENCH_SUBMITTERS', 20);
const MODEL = process.env.BENCH_MODEL || 'local-preview';
// Unset: the model's default size (the first it lists), as the generator page sends.
const SIZE = process.env.BENCH_SIZE || undefined;
/** Production defaults unless the environment says otherwise (reported below). */
const MAX_ACTIVE_PER_USER = env('GENERATION_MAX_ACTIVE_PER_USER', 50);
const WORKER_CONCURRENCY = env('WORKER_CONCURRENCY', 8);

if (!existsSync(path.join(root, 'build', 'app', 'main.js'))) {
  console.error('No production build: run `npm run build` first.');
  process.exit(1);
}

const { openDatabase } = await import('../src/server/db/client.ts');
const { checkLedger } = await import('../src/server/credits/checker.ts');
const { makeThumbnail } = await import('../src/server/images/make-thumbnail.ts');
const { processImage } = await import('../src/server/images/process-image.ts');
const { renderLocalImage } = await import('../src/server/providers/local/render.ts');

// ---------------------------------------------------------------- helpers

const round = (value, digits = 1) => (value === undefined ? null : Number(value.toFixed(digits)));
const percentile = (values, p) => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
};
const summary = (values) => ({
  p50: round(percentile(values, 50)),
  p99: round(percentile(values, 99)),
  max: round(Math.max(...values)),
  min: round(Math.min(...values)),
});
/** Wall-clock milliseconds with sub-millisecond resolution (comparable with database timestamps). */
const wallNow = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const loadAverage = () => loadavg().map((value) => round(value, 2));

const prompts = [
  'a calm ocean on a sunny day',
  'a pine forest at night',
  'city skyline at night with neon signs',
  'desert dunes at sunset',
  'a snowy mountain range',
  'a flower garden in spring',
  'a cat wearing a tiny hat',
  '夜晚的城市',
];

// ---------------------------------------------------------------- server

const dataDir = mkdtempSync(path.join(tmpdir(), 'imagegen-bench-generation-'));
const data = await benchDatabase(dataDir, openDatabase);
const { port, base } = benchAddress();
const benchEnv = {
  PORT: String(port),
  HOST: '127.0.0.1',
  PUBLIC_URL: base,
  DATA_DIR: dataDir,
  NODE_ENV: 'production',
  LOCAL_PROVIDER_LATENCY_MS: String(PROVIDER_LATENCY_MS),
  LOCAL_PROVIDER_LATENCY_JITTER_MS: '0',
  // Every member can afford their share of the run.
  STARTER_CREDITS: '100000',
  // The benchmark signs its members up from one address.
  RATE_LIMIT_SIGN_UP_PER_HOUR: '10000',
  ...data.env,
};
// BENCH_SERVER_FLAGS: extra node flags for the server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
const serverFlags = (process.env.BENCH_SERVER_FLAGS ?? '').split(' ').filter(Boolean);
const server = startBenchServer({ base, env: benchEnv, nodeFlags: serverFlags });
const { ask, peakRssKernel, waitReady } = server;

// ---------------------------------------------------------------- the API, as the pages use it

let memberCount = 0;
async function signUp() {
  memberCount++;
  const cookie = await signUpMember(base, {
    name: `Bench ${memberCount}`,
    email: `bench-${memberCount}-${Date.now()}@example.test`,
  });
  return { cookie };
}

let promptCounter = 0;
async function submit(member) {
  const i = promptCounter++;
  const body = { modelId: MODEL, prompt: prompts[i % prompts.length], n: 1, seed: 10_000 + i };
  if (SIZE) body.size = SIZE;
  const response = await fetch(`${base}/api/generations`, {
    method: 'POST',
    headers: { origin: base, cookie: member.cookie, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 202) return { ok: false, status: response.status, text };
  return { ok: true, id: JSON.parse(text).id };
}

const terminal = new Set(['succeeded', 'failed', 'canceled']);

/** Follows the SSE stream until the generation is finished; returns the status and when it was seen. */
async function follow(member, id, timeoutMs = 60_000) {
  const response = await fetch(`${base}/api/generations/${id}/events`, {
    headers: { cookie: member.cookie, accept: 'text/event-stream' },
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!response.ok) throw new Error(`events: ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the event stream ended before the generation finished');
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trimStart())
          .join('\n');
        if (!data) continue;
        const view = JSON.parse(data);
        if (terminal.has(view.status)) return { status: view.status, seenAt: wallNow() };
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

async function listStatuses(member) {
  const response = await fetch(`${base}/api/generations?limit=100`, { headers: { cookie: member.cookie } });
  if (!response.ok) throw new Error(`list: ${response.status}`);
  return (await response.json()).items ?? (await Promise.reject(new Error('list: no items')));
}

// ---------------------------------------------------------------- phases

async function sequentialPhase() {
  const member = await signUp();
  const runs = [];
  for (let i = 0; i < WARMUP + SEQUENTIAL; i++) {
    const sentAt = wallNow();
    const accepted = await submit(member);
    const acceptedAt = wallNow();
    if (!accepted.ok) throw new Error(`submit: ${accepted.status} ${accepted.text}`);
    const seen = await follow(member, accepted.id);
    if (i >= WARMUP) runs.push({ id: accepted.id, sentAt, acceptedAt, ...seen });
  }
  return runs;
}

async function inflightPhase() {
  const members = [];
  const perMember = Math.min(MAX_ACTIVE_PER_USER, Math.ceil(INFLIGHT / SUBMITTERS));
  const memberTotal = Math.ceil(INFLIGHT / perMember);
  for (let i = 0; i < memberTotal; i++) members.push({ ...(await signUp()), ids: [], done: false });
  await sleep(1000); // let sign-up work settle before the window opens
  const { rssMb: rssAtStartMb, memory: memoryAtStart } = await ask('reset');
  peakRssKernel({ reset: true });

  const acceptMs = [];
  const refused = {};
  let next = 0;
  const startedAt = wallNow();
  // One submitter per member, each sending its share one request after another, all at once.
  await Promise.all(
    members.map(async (member) => {
      while (member.ids.length < perMember && next < INFLIGHT) {
        next++;
        const t0 = performance.now();
        const accepted = await submit(member);
        acceptMs.push(performance.now() - t0);
        if (accepted.ok) member.ids.push(accepted.id);
        else refused[accepted.status] = (refused[accepted.status] ?? 0) + 1;
      }
    }),
  );
  const submittedAt = wallNow();

  // Light polling: members finish roughly in submission order, so only the
  // first unfinished one is asked each time (about one request per second).
  const deadline = Date.now() + 600_000;
  while (members.some((m) => !m.done) && Date.now() < deadline) {
    for (const member of members) {
      if (member.done) continue;
      const items = await listStatuses(member);
      const open = items.filter((item) => !terminal.has(item.status)).length;
      if (open === 0) member.done = true;
      else break;
    }
    if (members.some((m) => !m.done)) await sleep(1000);
  }
  const drainedSeenAt = wallNow();
  const probe = await ask('report');
  return {
    members,
    perMember,
    acceptMs,
    refused,
    startedAt,
    submittedAt,
    drainedSeenAt,
    probe,
    rssAtStartMb,
    memoryAtStart,
    peakRssKernelMb: peakRssKernel(),
    timedOut: members.some((m) => !m.done),
  };
}

// ---------------------------------------------------------------- after the server: its database

async function readDatabase(sequential, inflight) {
  const database = await data.open();
  try {
    const ids = [...sequential.map((r) => r.id), ...inflight.members.flatMap((m) => m.ids)];
    const rows = await data.query(
      database,
      `select g.id::text, g.status, g.attempts,
              extract(epoch from g.created_at) * 1000 as created,
              extract(epoch from g.started_at) * 1000 as started,
              extract(epoch from g.finished_at) * 1000 as finished,
              extract(epoch from j.created_on) * 1000 as job_created,
              extract(epoch from j.started_on) * 1000 as job_started
         from generations g
         left join pgboss.job j on j.id::text = g.job_id and j.name = 'generate'
        where g.id = any($1::uuid[])`,
      [ids],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    const ledger = await checkLedger(database.db, { openHoldsExpiredBefore: new Date() });
    return { byId, ledger };
  } finally {
    await database.close();
  }
}

// ---------------------------------------------------------------- run

const loadAtStart = loadAverage();
let sequential;
let inflight;
try {
  await waitReady();
  sequential = await sequentialPhase();
  inflight = await inflightPhase();
} finally {
  await server.stop();
  if (server.process.exitCode === null) server.process.kill('SIGKILL');
}

let db;
try {
  db = await readDatabase(sequential, inflight);
} catch (error) {
  rmSync(dataDir, { recursive: true, force: true });
  await data.drop();
  throw error;
}
const thumbnails = await thumbnailPhase({ makeThumbnail, processImage, renderLocalImage, prompts });
rmSync(dataDir, { recursive: true, force: true });
await data.drop();

// Sequential: overhead and its parts.
const parts = {
  overhead: [],
  accept: [],
  jobPickup: [],
  handlerStart: [],
  beforeProvider: [],
  provider: [],
  store: [],
  settleAndNotify: [],
};
for (const run of sequential) {
  const row = db.byId.get(run.id);
  if (!row || run.status !== 'succeeded') continue;
  const attempts = row.attempts ?? [];
  const providerMs = attempts.reduce((sum, a) => sum + a.latencyMs, 0);
  const lastAttempt = attempts.at(-1);
  const providerEnd = Date.parse(lastAttempt.startedAt) + lastAttempt.latencyMs;
  parts.overhead.push(run.seenAt - run.sentAt - providerMs);
  parts.accept.push(run.acceptedAt - run.sentAt);
  parts.jobPickup.push(row.job_started - row.job_created);
  parts.handlerStart.push(row.started - row.created);
  parts.beforeProvider.push(Date.parse(attempts[0].startedAt) - row.started);
  parts.provider.push(providerMs);
  parts.store.push(row.finished - providerEnd);
  parts.settleAndNotify.push(run.seenAt - row.finished);
}

// In flight: outcomes, drain, throughput.
const inflightIds = inflight.members.flatMap((m) => m.ids);
const outcomes = {};
let lastFinished = 0;
let unfinishedWhenSubmitted = 0;
for (const id of inflightIds) {
  const row = db.byId.get(id);
  const status = row?.status ?? 'missing';
  outcomes[status] = (outcomes[status] ?? 0) + 1;
  if (row?.finished) lastFinished = Math.max(lastFinished, row.finished);
  if (!row?.finished || row.finished > inflight.submittedAt) unfinishedWhenSubmitted++;
}
const drainSeconds = (lastFinished - inflight.startedAt) / 1000;
const ledgerViolations = Object.fromEntries(
  Object.entries(db.ledger.violations)
    .filter(([, v]) => v.count > 0)
    .map(([name, v]) => [name, v.count]),
);

const overhead = summary(parts.overhead);
const pickup = summary(parts.jobPickup);
const report = {
  machine: {
    cpus: availableParallelism(),
    node: process.version,
    loadAverage: { start: loadAtStart, end: loadAverage() },
  },
  settings: {
    database: data.mode,
    model: MODEL,
    size: SIZE ?? "model's default",
    providerLatencyMs: PROVIDER_LATENCY_MS,
    workerConcurrency: WORKER_CONCURRENCY,
    serverEnv: {
      GLIBC_TUNABLES: serverEnv({ ...process.env }).GLIBC_TUNABLES ?? null,
      NODE_OPTIONS: serverEnv({ ...process.env }).NODE_OPTIONS ?? null,
    },
    maxActivePerMember: MAX_ACTIVE_PER_USER,
    warmup: WARMUP,
    sequential: SEQUENTIAL,
    inflight: INFLIGHT,
  },
  sequential: {
    generations: parts.overhead.length,
    failed: sequential.filter((r) => r.status !== 'succeeded').length,
    overheadMs: overhead,
    pickupMs: { job: pickup, handler: summary(parts.handlerStart) },
    breakdownMs: Object.fromEntries(
      Object.entries(parts)
        .filter(([name]) => name !== 'overhead')
        .map(([name, values]) => [name, { p50: summary(values).p50, p99: summary(values).p99 }]),
    ),
  },
  inflight: {
    generations: inflightIds.length,
    members: inflight.members.length,
    perMember: inflight.perMember,
    refusedByStatus: inflight.refused,
    submitSeconds: round((inflight.submittedAt - inflight.startedAt) / 1000, 2),
    acceptMs: summary(inflight.acceptMs),
    inFlightWhenAllSubmitted: unfinishedWhenSubmitted,
    outcomes,
    drainSeconds: round(drainSeconds, 2),
    generationsPerSecond: round(inflightIds.length / drainSeconds),
    timedOut: inflight.timedOut,
    server: {
      rssAtStartMb: inflight.rssAtStartMb,
      peakRssMb: inflight.probe.rss.peakMb,
      peakRssKernelMb: inflight.peakRssKernelMb,
      rssAtEndMb: inflight.probe.rss.nowMb,
      eventLoopDelayMs: inflight.probe.loop,
      memoryAtStart: inflight.memoryAtStart,
      memoryAtEnd: inflight.probe.memory,
    },
    ledger: {
      ok: db.ledger.ok,
      violations: ledgerViolations,
      openHolds: db.ledger.figures?.openHolds ?? null,
      held: db.ledger.figures?.held ?? null,
      ...(db.ledger.failure ? { failure: db.ledger.failure } : {}),
    },
  },
  thumbnails,
};
const peakRss = Math.max(report.inflight.server.peakRssMb, report.inflight.server.peakRssKernelMb ?? 0);
report.targets = {
  overheadP50Ms: { value: overhead.p50, target: '<= 25', met: overhead.p50 <= 25 },
  overheadP99Ms: { value: overhead.p99, target: '<= 100', met: overhead.p99 <= 100 },
  pickupP50Ms: { value: pickup.p50, target: '<= 50', met: pickup.p50 <= 50 },
  inflightAllSucceeded: {
    value: outcomes.succeeded ?? 0,
    target: `${INFLIGHT} and the ledger sound`,
    met: outcomes.succeeded === INFLIGHT && db.ledger.ok,
  },
  inflightPeakRssMb: { value: peakRss, target: '<= 600', met: peakRss <= 600 },
  inflightEventLoopP99Ms: {
    value: inflight.probe.loop.p99Ms,
    target: '<= 50',
    met: inflight.probe.loop.p99Ms <= 50,
  },
  thumbnailPercentOfRaw: {
    value: thumbnails.percentOfRaw,
    target: '>= 80',
    met: thumbnails.percentOfRaw >= 80,
  },
};
console.log(JSON.stringify(report, null, 2));
