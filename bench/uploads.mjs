#!/usr/bin/env node
/**
 * Upload benchmark for reliability U2: how much the server's memory rises
 * while BENCH_UPLOADS (20) members' uploads of BENCH_UPLOAD_MB (100) MB each
 * arrive at once, against the default 10 MiB limit. Builds nothing: run
 * `npm run build` first, then `node bench/uploads.mjs`.
 *
 * The production build runs as `npm start` runs it (bench/bench-server.mjs)
 * in a child process on loopback, with bench/generation-probe.mjs loaded to
 * report its resident memory over IPC (the kernel's high-water mark is read
 * too). Two rounds: every upload declares its length (refused from the
 * header, nothing read), then every upload is chunked (no length: counted
 * while it streams, refused once past the limit). A client stops sending as
 * soon as its answer arrives, and never sends more than its size.
 *
 * Prints one JSON document: statuses, the bytes each client managed to send
 * before its answer, and the server's RSS before and at its peak (MB).
 * Figures, never assertions; reliability.md asks for a peak rise under 50 MB.
 * Bounded: BENCH_UPLOADS × BENCH_UPLOAD_MB per round, every wait has a deadline.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { benchAddress, signUpMember, startBenchServer } from './bench-server.mjs';

const root = path.resolve(import.meta.dirname, '..');
const env = (name, fallback) => Number(process.env[name] || fallback);
const UPLOADS = env('BENCH_UPLOADS', 20);
const UPLOAD_BYTES = env('BENCH_UPLOAD_MB', 100) * 1024 * 1024;
const CHUNK = 64 * 1024;
const round = (value, digits = 1) => Number(value.toFixed(digits));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

if (!existsSync(path.join(root, 'build', 'app', 'main.js'))) {
  console.error('No production build: run `npm run build` first.');
  process.exit(1);
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'imagegen-bench-uploads-'));
const { port, base } = benchAddress();
const server = startBenchServer({
  base,
  env: {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: base,
    DATA_DIR: dataDir,
    NODE_ENV: 'production',
    RATE_LIMIT_SIGN_UP_PER_HOUR: '10000',
    RATE_LIMIT_UPLOADS_PER_HOUR: '10000',
  },
});
const { ask, peakRssKernel, waitReady } = server;

const signUp = (index) =>
  signUpMember(base, { name: `Uploader ${index}`, email: `uploader-${index}-${Date.now()}@example.test` });

/** One upload of UPLOAD_BYTES (a JPEG start, then zeros); stops sending once answered. */
function attack(cookie, declared) {
  const started = performance.now();
  return new Promise((resolve) => {
    const request = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/uploads',
      agent: false,
      headers: {
        cookie,
        origin: base,
        'content-type': 'image/jpeg',
        ...(declared ? { 'content-length': String(UPLOAD_BYTES) } : {}),
      },
    });
    let sent = 0;
    let answered = false;
    const done = (status) =>
      resolve({ status, sentMb: round(sent / 1024 / 1024), ms: round(performance.now() - started) });
    request.setTimeout(60_000, () => request.destroy(new Error('timeout')));
    request.on('response', (response) => {
      answered = true;
      response.resume();
      response.on('end', () => done(response.statusCode));
      response.on('error', () => done(response.statusCode));
    });
    request.on('error', (error) => {
      if (!answered) done(`error ${error.code ?? error.message}`);
    });
    const head = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1]);
    const zeros = Buffer.alloc(CHUNK);
    const pump = () => {
      while (!answered && sent < UPLOAD_BYTES) {
        const piece = sent === 0 ? head : zeros.subarray(0, Math.min(CHUNK, UPLOAD_BYTES - sent));
        sent += piece.length;
        if (!request.write(piece)) return void request.once('drain', pump);
      }
      if (!answered) request.end();
    };
    pump();
  });
}

async function attackRound(cookies, declared) {
  await ask('reset');
  const kernelBefore = peakRssKernel({ reset: true });
  const before = await ask('report');
  const results = await Promise.all(cookies.map((cookie) => attack(cookie, declared)));
  await sleep(600); // the server drains what was in flight for up to 500 ms after answering
  const after = await ask('report');
  const statuses = {};
  for (const r of results) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  return {
    declaredLength: declared,
    statuses,
    sentMbPerClient: {
      min: Math.min(...results.map((r) => r.sentMb)),
      max: Math.max(...results.map((r) => r.sentMb)),
    },
    answerMsMax: Math.max(...results.map((r) => r.ms)),
    rssMb: {
      before: before.rss.nowMb,
      peak: after.rss.peakMb,
      peakRise: round(after.rss.peakMb - before.rss.nowMb),
      kernelPeak: peakRssKernel(),
      kernelBefore,
    },
  };
}

let report;
try {
  await waitReady();
  const cookies = [];
  for (let i = 0; i < UPLOADS; i++) cookies.push(await signUp(i));
  await sleep(1000); // let sign-up work settle before measuring
  report = {
    uploads: UPLOADS,
    uploadMb: UPLOAD_BYTES / 1024 / 1024,
    limitMb: 10,
    rounds: [await attackRound(cookies, true), await attackRound(cookies, false)],
  };
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(JSON.stringify(report, null, 2));
