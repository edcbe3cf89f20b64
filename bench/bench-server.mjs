/**
 * The production build as the benchmarks run it: a child process on a
 * random loopback port, started as `npm start` starts it (the allocator
 * settings and V8 flags of scripts/server-env.mjs), with
 * bench/generation-probe.mjs loaded to answer memory and event-loop
 * questions over IPC. Also the sign-up every benchmark's members go
 * through. Shared by bench/generation.mjs and bench/uploads.mjs so both
 * measure the same server the same way. Every wait has a deadline.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { serverEnv, serverNodeFlags } from '../scripts/server-env.mjs';

const root = path.resolve(import.meta.dirname, '..');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A loopback address; the port is random in 40000–59999 so two runs rarely collide. */
export function benchAddress() {
  const port = 40000 + Math.floor(Math.random() * 20000);
  return { port, base: `http://127.0.0.1:${port}` };
}

/**
 * Starts build/app/main.js with `env` over this process's environment.
 * `nodeFlags` are extra node flags (e.g. --cpu-prof), passed through
 * serverNodeFlags like `npm start` does.
 */
export function startBenchServer({ base, env, nodeFlags = [] }) {
  const server = spawn(
    process.execPath,
    [
      ...serverNodeFlags(nodeFlags),
      ...nodeFlags,
      '--import',
      path.join(root, 'bench', 'generation-probe.mjs'),
      'build/app/main.js',
    ],
    {
      cwd: root,
      env: serverEnv({ ...process.env, ...env }),
      // Logs go where production sends them (stdout, JSON lines); they are written but not kept.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  const exited = new Promise((resolve) => server.once('exit', resolve));

  /** Sends `type` to the probe and resolves with its answer of the same type. */
  function ask(type) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`probe did not answer ${type}`)), 10_000);
      const onMessage = (message) => {
        if (message?.type !== type) return;
        clearTimeout(timer);
        server.off('message', onMessage);
        resolve(message);
      };
      server.on('message', onMessage);
      server.send({ type });
    });
  }

  /** The kernel's high-water mark of the server's resident memory in MB, reset on request (Linux). */
  function peakRssKernel({ reset = false } = {}) {
    try {
      if (reset) writeFileSync(`/proc/${server.pid}/clear_refs`, '5');
      const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1]);
      return Number.isFinite(kb) ? Number((kb / 1024).toFixed(1)) : null;
    } catch {
      return null;
    }
  }

  async function waitReady(timeoutMs = 60_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (server.exitCode !== null) throw new Error('the server exited during start');
      try {
        if ((await fetch(`${base}/readyz`)).ok) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error('the server did not become ready');
  }

  /** SIGTERM, then waits up to a minute for the drain. */
  async function stop() {
    server.kill('SIGTERM');
    await Promise.race([exited, sleep(60_000)]);
  }

  return { process: server, ask, peakRssKernel, waitReady, stop };
}

/** Signs a new member up through the real API; resolves with their session cookie header. */
export async function signUpMember(base, { name, email }) {
  const response = await fetch(`${base}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { origin: base, 'content-type': 'application/json' },
    body: JSON.stringify({ name, email, password: 'correct horse battery staple' }),
  });
  if (!response.ok) throw new Error(`sign-up: ${response.status} ${await response.text()}`);
  return response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}
