/**
 * The real Hono app on a real (copied) database, driven in-process with
 * app.request(). The clock is injectable and every log line is captured, so
 * tests can assert on time limits and on what is (never) logged.
 */
import { Writable } from 'node:stream';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/server/app';
import { createAuth } from '../../src/server/auth/auth';
import { loadConfig } from '../../src/server/config';
import type { Database } from '../../src/server/db/client';
import type { AppDeps } from '../../src/server/http/context';
import { createLogger } from '../../src/server/log';
import { startPlatform, type Platform } from '../../src/server/platform';
import type { ProviderRegistry } from '../../src/server/providers/registry';
import { createTestDatabase } from './db';
import { TEST_PROFILE } from './test-profile';

export { TEST_PROFILE };

export const TEST_ORIGIN = 'http://localhost:3000';

export interface TestApp {
  app: ReturnType<typeof createApp>;
  deps: AppDeps;
  database: Database;
  /** Every log line written so far, raw JSON text. */
  logs: string[];
  platform: Platform;
  /** Moves the injected clock. */
  advance(ms: number): void;
  /** Sends a request as a same-origin browser would (Origin set on writes). */
  request(path: string, init?: RequestInit & { json?: unknown; ip?: string }): Promise<Response>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Run generation workers and the sweeper in-process (default: false; tests drive them). */
  workers?: boolean;
  providers?: ProviderRegistry;
}

export async function createTestApp(
  env: Record<string, string> = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString());
      callback();
    },
  });
  const config = loadConfig({
    NODE_ENV: 'test',
    PUBLIC_URL: TEST_ORIGIN,
    APP_SECRET: 'test-secret-test-secret-test-secret-0123',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'imagegen-test-')),
    LOG_LEVEL: 'debug',
    ...TEST_PROFILE,
    ...env,
  });
  const logger = createLogger({ level: config.logLevel, destination });
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  const platform = await startPlatform({
    config,
    logger,
    database,
    now,
    runWorkers: options.workers ?? false,
    ...(options.providers ? { providers: options.providers } : {}),
  });
  const deps: AppDeps = {
    config,
    database,
    auth: createAuth({ config, db: database.db, logger }),
    logger,
    now,
    generation: platform.generation,
    billing: platform.billing,
  };
  const app = createApp(deps);
  return {
    app,
    deps,
    database,
    logs,
    advance: (ms) => {
      offset += ms;
    },
    request: (target, init = {}) => {
      const { json, ip, ...rest } = init;
      const headers = new Headers(rest.headers);
      const method = rest.method ?? (json === undefined ? 'GET' : 'POST');
      if (method !== 'GET' && method !== 'HEAD' && !headers.has('origin')) headers.set('origin', TEST_ORIGIN);
      if (json !== undefined) headers.set('content-type', 'application/json');
      // A real client puts a fixed body's length on the wire (only a stream goes chunked);
      // a Request built in-process does not show it, so say it as fetch would.
      if (rest.body instanceof Uint8Array && !headers.has('content-length')) {
        headers.set('content-length', String(rest.body.byteLength));
      }
      const request = new Request(new URL(target, TEST_ORIGIN), {
        ...rest,
        method,
        headers,
        body: json === undefined ? rest.body : JSON.stringify(json),
      });
      // The socket address the app sees (the trusted-proxy rule starts from it).
      const env = { incoming: { socket: { remoteAddress: ip ?? '127.0.0.1' } } };
      return Promise.resolve(app.fetch(request, env));
    },
    platform,
    close: async () => {
      await platform.stop(1);
      await database.close();
    },
  };
}

/** "name=value" pairs from Set-Cookie headers, for sending back as a Cookie header. */
export function cookieHeader(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

let counter = 0;
export function uniqueEmail(tag = 'user'): string {
  counter += 1;
  return `${tag}-${process.pid}-${Date.now()}-${counter}@example.test`;
}

/** Signs a new member up and returns their session cookie header. */
export async function signUp(
  t: TestApp,
  overrides: Partial<{ name: string; email: string; password: string }> = {},
): Promise<{ cookie: string; email: string; password: string; response: Response }> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? 'correct horse battery staple';
  const response = await t.request('/api/auth/sign-up/email', {
    json: { name: overrides.name ?? 'Test Member', email, password },
  });
  if (response.status !== 200) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`);
  return { cookie: cookieHeader(response), email, password, response };
}

/** A member's credits as the pages read them (`GET /api/credits`). */
export async function creditsOf(t: TestApp, cookie: string): Promise<{ available: number; held: number }> {
  const response = await t.request('/api/credits', { headers: { cookie } });
  if (response.status !== 200) throw new Error(`GET /api/credits answered ${response.status}`);
  return (await response.json()) as { available: number; held: number };
}
