/**
 * Once per e2e run: the production build (build/app/main.js, built
 * beforehand with `npm run build`) served on a free loopback port with a
 * fresh data directory, so a fresh embedded PGlite database. The journeys
 * are not rate-limit tests, so the per-IP limits are raised. Billing runs
 * against the Stripe fake (decision 020), which posts its webhooks to the
 * server; test files drive it over HTTP (/__control/…).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TestProject } from 'vitest/node';
import { stripeFakePriceEnv } from '../fakes/all';
import { startDeepSeekFake } from '../fakes/deepseek';
import { startStripeFake } from '../fakes/stripe';
import { freePort } from '../support/stack-process';

const root = path.resolve(import.meta.dirname, '..', '..');
const entry = path.join(root, 'build', 'app', 'main.js');
const READY_TIMEOUT_MS = 60_000;
/** Made an admin at sign-up (ADMIN_EMAILS); each run starts on a fresh database. */
const E2E_ADMIN_EMAIL = 'e2e-admin@example.test';

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export default async function setup(project: TestProject) {
  if (!existsSync(entry)) {
    throw new Error(`e2e: ${entry} is missing; run \`npm run build\` first`);
  }
  const resultsDir = path.join(root, 'test-results');
  mkdirSync(resultsDir, { recursive: true });
  const logFile = path.join(resultsDir, 'e2e-server.log');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'imagegen-e2e-data-'));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;

  // Prompt help's text model (decision 017); tests queue its faults over HTTP (/__control/faults).
  const deepseek = await startDeepSeekFake();
  // Checkout's hosted page, the subscription lifecycle and signed webhooks to the server.
  const stripe = await startStripeFake({ webhookUrl: `${baseUrl}/api/webhooks/stripe` }).catch(
    async (error: unknown) => {
      await deepseek.close();
      throw error;
    },
  );

  const logFd = openSync(logFile, 'w');
  // Runs build/app/main.js, imported through an environment variable so that
  // this server's command line does not name the file: other sessions on the
  // machine clean up their own servers by matching that name. No
  // --input-type=module: the page-render worker threads inherit the flags and
  // refuse to start with it (each page was then rendered on the main thread).
  const child = spawn(process.execPath, ['-e', 'import(process.env.IMAGEGEN_E2E_ENTRY)'], {
    cwd: root,
    stdio: ['ignore', logFd, logFd],
    env: {
      ...process.env,
      IMAGEGEN_E2E_ENTRY: pathToFileURL(entry).href,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      PUBLIC_URL: baseUrl,
      LOG_LEVEL: 'warn',
      DATABASE_URL: '',
      RATE_LIMIT_CONTACT_PER_HOUR: '100',
      RATE_LIMIT_SIGN_IN_PER_MINUTE: '100',
      RATE_LIMIT_SIGN_UP_PER_HOUR: '100',
      SHUTDOWN_GRACE_SECONDS: '5',
      // Slow enough to watch a generation go through its states.
      LOCAL_PROVIDER_LATENCY_MS: '1200',
      // The account admin.e2e.test.ts signs up with becomes an admin.
      ADMIN_EMAILS: E2E_ADMIN_EMAIL,
      // Prompt help through the DeepSeek fake, at a price so the journey sees it held and charged.
      PROVIDER_DEEPSEEK_API_KEY: deepseek.apiKey,
      PROVIDER_DEEPSEEK_BASE_URL: deepseek.baseUrl,
      PROMPT_ENHANCE_CREDITS: '1',
      // Billing through the Stripe fake; no scheduled reconciler runs during a journey.
      STRIPE_SECRET_KEY: stripe.secretKey,
      STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
      STRIPE_API_BASE: stripe.origin,
      STRIPE_RECONCILE_INTERVAL_MINUTES: '0',
      ...stripeFakePriceEnv,
    },
  });
  closeSync(logFd);
  let stopping = false;
  child.once('exit', (code, signal) => {
    const line = `[e2e global-setup] server exited: code ${code} signal ${signal}${stopping ? ' (teardown)' : ' (UNEXPECTED)'}\n`;
    appendFileSync(logFile, line);
    if (!stopping) process.stderr.write(line);
  });

  const stop = async () => {
    stopping = true;
    await deepseek.close();
    await stripe.close();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited(child);
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let ready = false;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    try {
      const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await response.body?.cancel();
      if (response.status === 200) {
        ready = true;
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  if (!ready) {
    const status =
      child.exitCode !== null || child.signalCode !== null
        ? `exited (${child.exitCode ?? child.signalCode})`
        : 'timed out';
    await stop();
    throw new Error(
      `e2e: the server at ${baseUrl} ${status} before /readyz answered 200; log tail:\n${tail(logFile)}`,
    );
  }

  project.provide('baseUrl', baseUrl);
  project.provide('serverLog', logFile);
  project.provide('deepseekFakeUrl', deepseek.origin);
  project.provide('stripeFakeUrl', stripe.origin);
  project.provide('adminEmail', E2E_ADMIN_EMAIL);
  return stop;
}

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    serverLog: string;
    /** The DeepSeek fake's origin: POST /__control/faults queues a failure. */
    deepseekFakeUrl: string;
    /** The Stripe fake's origin: /__control/… renews or ends a subscription, sends an event again. */
    stripeFakeUrl: string;
    adminEmail: string;
  }
}
