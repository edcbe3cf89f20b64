import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../tests/support/app';
import { openDatabase } from './db/client';
import { createApp } from './app';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('health and readiness', () => {
  it('GET /healthz answers 200 JSON', async () => {
    const response = await t.request('/healthz');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 when the database is reachable and migrated', async () => {
    const response = await t.request('/readyz');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ready', database: 'ok' });
  });

  it('GET /readyz reports the clock skew against the database and warns past 60 s', async () => {
    const body = (await (await t.request('/readyz')).json()) as {
      clockSkewSeconds: number;
      warnings: string[];
    };
    expect(Math.abs(body.clockSkewSeconds)).toBeLessThanOrEqual(1);
    expect(body.warnings).toEqual([]);
    const realNow = Date.now;
    // The process clock jumps 240 s ahead the moment the database has answered: the check reads it
    // before and after the query and takes the middle, so it sees this process 120 s ahead.
    const database = {
      ...t.deps.database,
      db: new Proxy(t.deps.database.db, {
        get(target, key, receiver) {
          if (key !== 'execute') return Reflect.get(target, key, receiver) as unknown;
          return async (query: Parameters<typeof target.execute>[0]) => {
            const result = await target.execute(query);
            Date.now = () => realNow() + 240_000;
            return result;
          };
        },
      }),
    };
    try {
      const response = await createApp({ ...t.deps, database }).request('/readyz');
      const skewed = (await response.json()) as { clockSkewSeconds: number; warnings: string[] };
      expect(response.status).toBe(200);
      expect(skewed.warnings).toEqual(['clock_skew']);
      expect(skewed.clockSkewSeconds).toBeGreaterThanOrEqual(115);
      expect(skewed.clockSkewSeconds).toBeLessThanOrEqual(125);
    } finally {
      Date.now = realNow;
    }
    expect(t.logs.some((line) => line.includes("this process's clock differs from the database's"))).toBe(
      true,
    );
  });

  it('GET /readyz answers 503 on a database without migrations', async () => {
    const empty = await openDatabase({ driver: 'pglite' });
    try {
      const app = createApp({ ...t.deps, database: empty });
      const response = await app.request('/readyz');
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: 'not_ready', database: 'not_migrated' });
    } finally {
      await empty.close();
    }
  });

  it('GET /readyz answers 503 while draining', async () => {
    const app = createApp({ ...t.deps, isDraining: () => true });
    const response = await app.request('/readyz');
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ draining: true });
  });
});

describe('the edge', () => {
  it('gives every response a request id, echoing a well-formed inbound one', async () => {
    for (const path of ['/readyz', '/api/does-not-exist', '/en/sign-in']) {
      const fresh = await t.request(path);
      expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const echoed = await t.request(path, { headers: { 'x-request-id': 'trace-abc-12345' } });
      expect(echoed.headers.get('x-request-id')).toBe('trace-abc-12345');
      const refused = await t.request(path, { headers: { 'x-request-id': 'bad id with spaces' } });
      expect(refused.headers.get('x-request-id')).not.toBe('bad id with spaces');
    }
  });

  it('answers liveness probes ahead of the request context, security headers included', async () => {
    const response = await t.request('/healthz', { headers: { 'x-request-id': 'trace-abc-12345' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBeNull();
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('sets strict security headers on API responses: nothing may run, embed or be sniffed', async () => {
    const response = await t.request('/healthz');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("base-uri 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    // Plain http: no HSTS (browsers ignore it there; it would mislead operators).
    expect(response.headers.get('strict-transport-security')).toBeNull();
  });

  it('sends HSTS when the public URL is https', async () => {
    const secure = await createTestApp({ PUBLIC_URL: 'https://images.example.test' });
    try {
      const response = await secure.request('/healthz');
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=31536000/);
    } finally {
      await secure.close();
    }
  });

  it('answers unknown API routes with a JSON 404 in the request language', async () => {
    const en = await t.request('/api/does-not-exist');
    expect(en.status).toBe(404);
    expect(await en.json()).toEqual({ error: { code: 'not_found', message: 'Not found.' } });
    const zh = await t.request('/api/does-not-exist', { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
    expect(await zh.json()).toEqual({ error: { code: 'not_found', message: '未找到。' } });
  });

  it('refuses bodies over the limit with 413', async () => {
    const big = 'x'.repeat(t.deps.config.bodyLimitBytes + 1);
    const response = await t.request('/api/contact', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'a', email: 'a@example.test', message: big }),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('refuses a cross-site POST (foreign Origin) with 403', async () => {
    const response = await t.request('/api/contact', {
      json: { name: 'Eve', email: 'eve@example.test', message: 'cross-site attempt' },
      headers: { origin: 'https://evil.test' },
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'csrf_rejected' } });
  });

  it('refuses Sec-Fetch-Site: cross-site even without Origin', async () => {
    const response = await t.request('/api/consent', {
      json: { action: 'reject_all' },
      headers: { origin: '', 'sec-fetch-site': 'cross-site' },
    });
    expect(response.status).toBe(403);
  });

  it('redirects / by Accept-Language, defaulting to English', async () => {
    const zh = await t.request('/', { headers: { 'accept-language': 'zh-TW,zh;q=0.9,en;q=0.5' } });
    expect(zh.status).toBe(302);
    expect(zh.headers.get('location')).toBe('/zh');
    expect(zh.headers.get('vary')).toMatch(/Accept-Language/);
    const other = await t.request('/', { headers: { 'accept-language': 'fr-FR' } });
    expect(other.headers.get('location')).toBe('/en');
  });

  it('redirects / by the saved language cookie before Accept-Language', async () => {
    const response = await t.request('/', { headers: { cookie: 'locale=zh', 'accept-language': 'en' } });
    expect(response.headers.get('location')).toBe('/zh');
  });
});
