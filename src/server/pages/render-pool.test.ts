/**
 * The pool's own mechanics (dispatch, session calls, crash and timeout
 * handling), with small worker scripts standing in for a React Router build.
 * The real renders through the pool are covered by the browser journeys,
 * which run the production build (render threads on by default).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { RenderPool } from './render-pool';

const dir = mkdtempSync(path.join(tmpdir(), 'imagegen-pool-'));
const workerFile = path.join(dir, 'worker.mjs');
writeFileSync(
  workerFile,
  `import { parentPort } from 'node:worker_threads';
const waiting = new Map();
parentPort.on('message', async (m) => {
  if (m.type === 'session') { waiting.get(m.id)(m.session); return; }
  const url = new URL(m.url);
  if (url.pathname === '/crash') process.exit(3);
  if (url.pathname === '/hang') return;
  if (url.pathname === '/fail') { parentPort.postMessage({ type: 'failed', id: m.id, message: 'boom' }); return; }
  let who = 'nobody';
  if (url.pathname === '/me') {
    const session = await new Promise((resolve) => { waiting.set(m.id, resolve); parentPort.postMessage({ type: 'getSession', id: m.id }); });
    who = session?.user.name ?? 'anonymous';
  }
  const body = new TextEncoder().encode(url.pathname + ' ' + who + ' ' + m.nonce).buffer;
  parentPort.postMessage({ type: 'rendered', id: m.id, status: 201, headers: [['x-test', 'yes']], body }, [body]);
});
parentPort.postMessage({ type: 'ready' });
`,
);

let pool: RenderPool | undefined;
afterEach(async () => {
  await pool?.close();
});

function makePool(timeoutMs = 2000) {
  pool = new RenderPool({
    size: 2,
    workerFile,
    serverBuildFile: '/unused',
    timeoutMs,
    logger: pino({ level: 'silent' }),
    getSession: async (headers) =>
      headers.get('cookie') === 'session=ada'
        ? ({ user: { name: 'Ada' } } as unknown as Awaited<ReturnType<RenderPoolParams['getSession']>>)
        : null,
  });
  return pool;
}
type RenderPoolParams = ConstructorParameters<typeof RenderPool>[0];

const request = (pathname: string, cookie?: string) => ({
  url: `http://127.0.0.1${pathname}`,
  method: 'GET' as const,
  headers: (cookie ? [['cookie', cookie]] : []) as [string, string][],
  nonce: 'n0nce',
  secureCookies: false,
  sessionCookie: 'session',
});

describe('RenderPool', () => {
  it('renders on a worker and returns its status, headers and body', async () => {
    const page = await makePool().render(request('/page'));
    expect(page.status).toBe(201);
    expect(page.headers).toEqual([['x-test', 'yes']]);
    expect(new TextDecoder().decode(page.body!)).toBe('/page nobody n0nce');
  });

  it("answers a worker's session question from the main thread, per request", async () => {
    const p = makePool();
    const [signedIn, anonymous] = await Promise.all([
      p.render(request('/me', 'session=ada')),
      p.render(request('/me')),
    ]);
    const text = (page: { body: Uint8Array | null }) => new TextDecoder().decode(page.body!);
    expect(text(signedIn)).toBe('/me Ada n0nce');
    expect(text(anonymous)).toBe('/me anonymous n0nce');
  });

  it('fails the job of a crashed worker and keeps serving with a new one', async () => {
    const p = makePool();
    await expect(p.render(request('/crash'))).rejects.toThrow(/exited/);
    const results = await Promise.all([1, 2, 3, 4].map((i) => p.render(request(`/after-${i}`))));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(p.size).toBe(2);
  });

  it('fails a render that reports an error, and one that never answers', async () => {
    const p = makePool(300);
    await expect(p.render(request('/fail'))).rejects.toThrow('boom');
    await expect(p.render(request('/hang'))).rejects.toThrow(/timed out/);
  });
});
