/**
 * Files and prerendered pages answered at the Node listener
 * (from-memory.ts) against the same requests answered by the app: on a real
 * socket, with a small client build on disk. A cookie (any cookie) sends a
 * request to the app, so each pair below is the same request with and
 * without an unrelated cookie.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { ServerBuild } from 'react-router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../start';
import { answerFromMemory } from './from-memory';
import { loadServedFiles, type PagesOptions } from './handler';

const clientDir = mkdtempSync(path.join(tmpdir(), 'imagegen-client-'));
const script = 'console.log("landing");';
const page = (title: string) =>
  `<!DOCTYPE html><html lang="en" data-theme="system"><head><title>${title}</title></head>` +
  `<body><main>${'A page worth compressing. '.repeat(80)}</main><script>${script}</script></body></html>`;
mkdirSync(path.join(clientDir, 'assets'));
mkdirSync(path.join(clientDir, 'en', 'faq'), { recursive: true });
writeFileSync(path.join(clientDir, 'assets', 'app-3f2a1c.js'), `export const x = "${'y'.repeat(4000)}";`);
writeFileSync(path.join(clientDir, 'favicon.ico'), Buffer.from([0, 0, 1, 0]));
writeFileSync(path.join(clientDir, 'en', 'index.html'), page('Landing'));
writeFileSync(path.join(clientDir, 'en', 'faq', 'index.html'), page('FAQ'));

// Only the prerendered paths are read from a build by the served files; nothing here renders.
const pages: PagesOptions = {
  build: { prerender: ['/en', '/en/faq'] } as unknown as ServerBuild,
  mode: 'production',
  clientDir,
};

interface Answer {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

async function ask(base: string, urlPath: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`${base}${urlPath}`, init);
  return {
    status: response.status,
    headers: [...response.headers].filter(([name]) => !['date', 'keep-alive', 'connection'].includes(name)),
    body: Buffer.from(await response.arrayBuffer()),
  };
}

/** The answer less its request id (each request gets its own). */
function withoutId(answer: Answer) {
  return { ...answer, headers: answer.headers.filter(([name]) => name !== 'x-request-id') };
}

describe('answers from memory at the listener', () => {
  let running: RunningServer;

  beforeAll(async () => {
    running = await startServer({
      pages: () => pages,
      env: {
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: '0',
        DATA_DIR: mkdtempSync(path.join(tmpdir(), 'imagegen-memory-')),
        LOG_LEVEL: 'silent',
      },
      handleSignals: false,
    });
  }, 60_000);

  afterAll(async () => {
    await running?.stop();
  });

  const cases: [string, RequestInit][] = [
    ['/en', {}],
    ['/en/', {}],
    ['/en/faq?utm_source=mail', {}],
    ['/en', { headers: { 'accept-encoding': 'gzip' } }],
    ['/en', { headers: { 'accept-encoding': 'gzip, deflate, br' } }],
    ['/en', { method: 'HEAD' }],
    ['/assets/app-3f2a1c.js', {}],
    ['/assets/app-3f2a1c.js', { headers: { 'accept-encoding': 'br' } }],
    ['/favicon.ico', { method: 'HEAD' }],
  ];

  it.each(cases)('answers %s %o as the app does', async (urlPath, init) => {
    const direct = await ask(running.url, urlPath, init);
    const viaApp = await ask(running.url, urlPath, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), cookie: 'unrelated=1' },
    });
    expect(direct.status).toBe(200);
    expect(withoutId(direct)).toEqual(withoutId(viaApp));
    expect(direct.headers.find(([name]) => name === 'x-request-id')?.[1]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a revalidation with 304, as the app does', async () => {
    const first = await ask(running.url, '/en', { headers: { 'accept-encoding': 'gzip' } });
    const etag = first.headers.find(([name]) => name === 'etag')![1];
    const init = { headers: { 'accept-encoding': 'gzip', 'if-none-match': etag } };
    const direct = await ask(running.url, '/en', init);
    const viaApp = await ask(running.url, '/en', { headers: { ...init.headers, cookie: 'unrelated=1' } });
    expect(direct.status).toBe(304);
    expect(direct.body.byteLength).toBe(0);
    expect(withoutId(direct)).toEqual(withoutId(viaApp));
  });

  it('keeps a valid request id it is given, and sets no cookie', async () => {
    const answer = await ask(running.url, '/en', { headers: { 'x-request-id': 'lb-request-0001' } });
    expect(answer.headers).toContainEqual(['x-request-id', 'lb-request-0001']);
    expect(answer.headers.some(([name]) => name === 'set-cookie')).toBe(false);
    expect(answer.headers).toContainEqual(['content-type', 'text/html; charset=utf-8']);
    expect(answer.headers.find(([name]) => name === 'content-security-policy')?.[1]).toContain("'sha256-");
  });

  it('leaves unknown paths to the app (its 404 page, its API errors)', async () => {
    const missing = await ask(running.url, '/assets/missing.js');
    const api = await ask(running.url, '/api/nothing-here');
    expect(api.status).toBe(404);
    expect(JSON.parse(api.body.toString())).toMatchObject({ error: { code: 'not_found' } });
    expect(missing.status).not.toBe(200);
  });
});

describe('answerFromMemory', () => {
  let server: Server;
  let base: string;
  const answered: string[] = [];

  beforeAll(async () => {
    const served = loadServedFiles(pages, false);
    server = createServer((req, res) => {
      if (answerFromMemory(served, pino({ level: 'silent' }), req, res)) {
        answered.push(`${req.method} ${req.url}`);
      } else {
        res.writeHead(599).end('left to the app');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers cookieless GET and HEAD for files and prerendered pages only', async () => {
    const left = async (urlPath: string, init: RequestInit = {}) =>
      (await fetch(`${base}${urlPath}`, init)).status === 599;
    expect(await left('/en', { headers: { cookie: 'theme=dark' } })).toBe(true);
    expect(await left('/en', { method: 'POST', body: 'x' })).toBe(true);
    expect(await left('/en/sign-in')).toBe(true);
    expect(await left('/')).toBe(true);
    expect(await left('/%65n')).toBe(true);
    expect(await left('/api/en')).toBe(true);
    // fetch() and URL strings would resolve the dots before sending.
    const raw = await new Promise<number>((resolve, reject) =>
      httpRequest(
        { host: '127.0.0.1', port: new URL(base).port, path: '/assets/../en', agent: false },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      )
        .on('error', reject)
        .end(),
    );
    expect(raw).toBe(599);
    expect(answered).toEqual([]);

    const landing = await fetch(`${base}/en`, { headers: { 'accept-encoding': 'identity' } });
    expect(landing.status).toBe(200);
    const html = await landing.text();
    expect(html).toContain('data-theme="system"');
    expect(landing.headers.get('content-length')).toBe(String(Buffer.byteLength(html)));
    expect(landing.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect((await fetch(`${base}/favicon.ico`)).status).toBe(200);
    expect(answered).toEqual(['GET /en', 'GET /favicon.ico']);
  });
});
