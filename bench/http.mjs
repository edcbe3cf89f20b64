#!/usr/bin/env node
/**
 * HTTP benchmark (npm run bench:http). Builds nothing: run `npm run build` first.
 *
 * In one run, on loopback, with autocannon in this process and each server in
 * its own child process:
 *   ceiling     a bare node:http server answering a small JSON body
 *   healthz     GET /healthz of the production server
 *   ssr         GET /en/sign-in, rendered by React Router per request
 *   prerendered GET /en, served from memory
 * Requests carry no Accept-Encoding, so pages are measured uncompressed:
 * autocannon parses compressed (binary) bodies about 5x slower than text,
 * which would make the client, not the server, the bottleneck. For the two
 * documents, the rate a bare node:http server reaches for the identical bytes
 * is measured too (`sameBytesCeiling`): no server can serve a document of
 * that size faster on this machine with this client.
 * The four are measured in turn, in BENCH_ROUNDS rounds (default 3), and each
 * figure is the median over the rounds: on a small machine one 10-second
 * window can be several per cent off (the client and the server share two
 * cores with whatever else runs). A ratio is worked out within each round
 * (target / that round's ceiling) and its median reported.
 * Prints one JSON document: req/s, p99 latency (ms), errors, and each target's
 * ratio to the ceiling; plus the landing page's JavaScript size gzipped.
 * Figures, never assertions: compare runs on the same kind of machine.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import { serverEnv, serverNodeFlags } from '../scripts/server-env.mjs';

const root = path.resolve(import.meta.dirname, '..');
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const HEADERS = {};

if (!existsSync(path.join(root, 'build', 'app', 'main.js'))) {
  console.error('No production build: run `npm run build` first.');
  process.exit(1);
}

// Serves the file named by BODY_FILE with the given content type: the
// fastest any server can hand out those exact bytes.
const sameBytesSource = `
  const http = require('node:http');
  const body = require('node:fs').readFileSync(process.env.BODY_FILE);
  http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length });
    res.end(body);
  }).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
`;

const ceilingSource = `
  const http = require('node:http');
  const body = JSON.stringify({ status: 'ok' });
  http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
`;

function freePort() {
  return 40000 + Math.floor(Math.random() * 20000);
}

async function waitFor(url, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${url}`);
}

function start(command, args, env, base = process.env) {
  const child = spawn(command, args, {
    cwd: root,
    env: { ...base, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

function load(url, seconds) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url, connections: CONNECTIONS, duration: seconds, pipelining: 1, headers: HEADERS },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

async function measure(url) {
  await load(url, WARMUP);
  const result = await load(url, DURATION);
  return {
    url: new URL(url).pathname,
    rps: Math.round(result.requests.average),
    bytesPerResponse: Math.round(result.throughput.total / Math.max(1, result.requests.total)),
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

async function landingJavaScriptGzipBytes(base) {
  const html = await (await fetch(`${base}/en`)).text();
  const urls = new Set();
  for (const m of html.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)) urls.add(m[1]);
  for (const m of html.matchAll(/<script[^>]+src="([^"]+)"/g)) urls.add(m[1]);
  for (const m of html.matchAll(/import\("([^"]+\.js)"\)/g)) urls.add(m[1]);
  let total = 0;
  for (const url of urls) {
    const bytes = Buffer.from(await (await fetch(new URL(url, base))).arrayBuffer());
    total += gzipSync(bytes, { level: 9 }).byteLength;
  }
  return { files: urls.size, gzipBytes: total };
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'imagegen-bench-'));
const ceilingPort = freePort();
const appPort = ceilingPort + 1;
// The reference servers get the same V8 flags as the platform's server: an
// idle spell between rounds would otherwise slow them down (V8's memory
// reducer, see scripts/server-env.mjs) and the ceiling would drift.
const referenceFlags = serverNodeFlags([]);
const ceiling = start(process.execPath, [...referenceFlags, '-e', ceilingSource], {
  PORT: String(ceilingPort),
});
// As `npm start` runs it: with the memory settings and V8 flags of scripts/server-env.mjs.
const app = start(
  process.execPath,
  [...serverNodeFlags([]), 'build/app/main.js'],
  { PORT: String(appPort), HOST: '127.0.0.1', DATA_DIR: dataDir, NODE_ENV: 'production' },
  serverEnv(),
);

try {
  await waitFor(`http://127.0.0.1:${ceilingPort}/`);
  await waitFor(`http://127.0.0.1:${appPort}/readyz`);
  const base = `http://127.0.0.1:${appPort}`;
  const targets = {
    ceiling: `http://127.0.0.1:${ceilingPort}/`,
    healthz: `${base}/healthz`,
    prerendered: `${base}/en`,
    ssr: `${base}/en/sign-in`,
  };
  const rounds = [];
  for (let round = 0; round < ROUNDS; round++) {
    const measured = {};
    for (const [name, url] of Object.entries(targets)) measured[name] = await measure(url);
    rounds.push(measured);
  }
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const tenth = (x) => Math.round(x * 10) / 10;
  const results = {};
  for (const name of Object.keys(targets)) {
    const all = rounds.map((r) => r[name]);
    results[name] = {
      url: all[0].url,
      rps: Math.round(median(all.map((r) => r.rps))),
      roundsRps: all.map((r) => r.rps),
      bytesPerResponse: all[0].bytesPerResponse,
      p99Ms: median(all.map((r) => r.p99Ms)),
      errors: all.reduce((sum, r) => sum + r.errors, 0),
      percentOfCeiling: tenth(median(rounds.map((r) => (r[name].rps / r.ceiling.rps) * 100))),
    };
  }
  for (const name of ['prerendered', 'ssr']) {
    const file = path.join(dataDir, `${name}.html`);
    writeFileSync(file, Buffer.from(await (await fetch(`${base}${results[name].url}`)).arrayBuffer()));
    const port = appPort + (name === 'ssr' ? 2 : 3);
    const bare = start(process.execPath, [...referenceFlags, '-e', sameBytesSource], {
      PORT: String(port),
      BODY_FILE: file,
    });
    try {
      await waitFor(`http://127.0.0.1:${port}/`);
      const reference = await measure(`http://127.0.0.1:${port}/`);
      results[name].sameBytesCeilingRps = reference.rps;
      results[name].percentOfSameBytesCeiling = Math.round((results[name].rps / reference.rps) * 1000) / 10;
    } finally {
      bare.kill('SIGTERM');
    }
  }
  const report = {
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version },
    settings: {
      durationSeconds: DURATION,
      warmupSeconds: WARMUP,
      connections: CONNECTIONS,
      rounds: ROUNDS,
      headers: HEADERS,
    },
    results,
    targets: {
      healthzPercent: { value: results.healthz.percentOfCeiling, target: '>= 60' },
      prerenderedPercent: { value: results.prerendered.percentOfCeiling, target: '>= 30' },
      ssrPercent: { value: results.ssr.percentOfCeiling, target: '>= 2.5' },
    },
    landingJavaScript: await landingJavaScriptGzipBytes(base),
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  ceiling.kill('SIGTERM');
  app.kill('SIGTERM');
  await new Promise((r) => app.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}
