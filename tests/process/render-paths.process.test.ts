/**
 * The production build's two page renderers (src/web/entry.server.tsx) on
 * every kind of page: the one-pass render (the default) must write the same
 * document as React's streaming renderer with React Router's own handoff
 * reader, for visitors and members, in both languages, with and without
 * theme and consent cookies, and for not-found pages. It also checks that
 * the one-pass render really is taken (it does not fall back): this is what
 * fails first if a React Router upgrade moves what the entry reads ahead.
 * And the render threads (the production render worker, which takes the
 * document as a string) send those same documents.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createRequestHandler, RouterContextProvider, type ServerBuild } from 'react-router';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageSession } from '../../src/server/pages/page-session';
import { RenderPool } from '../../src/server/pages/render-pool';
import type { appContext as AppContextKey, RenderedDocument } from '../../src/web/app-context';
import type * as Entry from '../../src/web/entry.server';
import { missingBuildReason, repoRoot } from '../support/stack';

const skip = missingBuildReason();
if (skip) console.log(`[process] render paths skipped: ${skip}`);

type EntryModule = typeof Entry;

function session(role: 'user' | 'admin'): PageSession {
  const now = Date.now();
  return {
    user: {
      id: 'u1',
      name: 'Ada Lovelace',
      email: 'ada@example.test',
      emailVerified: true,
      role,
      locale: 'en',
    },
    session: { id: 's1', createdAt: new Date(now - 60_000), expiresAt: new Date(now + 86_400_000) },
    credits: { available: 42, held: 3 },
  };
}

/** What each page is asked with: path, cookies, and who is signed in. */
const cases: { path: string; cookie?: string; who?: 'user' | 'admin' }[] = [
  { path: '/en' },
  { path: '/zh' },
  { path: '/en/faq' },
  { path: '/zh/pricing' },
  { path: '/en/contact' },
  { path: '/en/privacy' },
  { path: '/zh/terms' },
  { path: '/en/cookies' },
  { path: '/en/sign-in' },
  { path: '/zh/sign-up', cookie: 'theme=dark' },
  { path: '/en/sign-in', cookie: 'theme=light; consent=v1.functional' },
  { path: '/en/no-such-page' },
  { path: '/no-such-language' },
  { path: '/en/dashboard', who: 'user' },
  { path: '/zh/generate', who: 'user', cookie: 'theme=dark' },
  { path: '/en/history', who: 'user' },
  { path: '/en/credits', who: 'user' },
  { path: '/en/compare', who: 'user' },
  { path: '/en/billing', who: 'user' },
  { path: '/en/admin', who: 'admin' },
  { path: '/en/admin/models', who: 'admin' },
  { path: '/en/admin/members', who: 'admin' },
  { path: '/en/admin/audit', who: 'admin' },
  { path: '/en/admin', who: 'user' },
  { path: '/en/dashboard' },
];

describe.skipIf(skip !== undefined)('page renderers of the production build', () => {
  let build: ServerBuild;
  let entry: EntryModule;
  let key: typeof AppContextKey;
  let pool: RenderPool | undefined;

  afterAll(async () => {
    await pool?.close();
  });

  beforeAll(async () => {
    const file = path.join(repoRoot, 'build', 'server', 'index.js');
    build = (await import(pathToFileURL(file).href)) as ServerBuild;
    entry = build.entry.module as unknown as EntryModule;
    key = entry.appContext;
  });

  /** `build` with its entry's default renderer replaced. */
  function withRenderer(render: EntryModule['default']) {
    return createRequestHandler(
      { ...build, entry: { module: { ...build.entry.module, default: render } } },
      'production',
    );
  }

  const NONCE = 'cmVuZGVyLXBhdGhzLXRlc3Q';

  function requestHeaders(page: (typeof cases)[number]) {
    const headers = new Headers({ accept: 'text/html' });
    // The worker asks for the session only when there is a session cookie.
    const cookie = [page.cookie, page.who && `session=${page.who}`].filter(Boolean).join('; ');
    if (cookie) headers.set('cookie', cookie);
    return headers;
  }

  async function fetchPage(
    handle: ReturnType<typeof createRequestHandler>,
    page: (typeof cases)[number],
    document?: RenderedDocument,
  ) {
    const context = new RouterContextProvider();
    // Read once per request, as the server does.
    const current = Promise.resolve(page.who ? session(page.who) : null);
    context.set(key, {
      getSession: () => current,
      nonce: NONCE,
      secureCookies: false,
      ...(document ? { document } : {}),
    });
    const response = await handle(
      new Request(`http://localhost:3000${page.path}`, { headers: requestHeaders(page) }),
      context,
    );
    return {
      status: response.status,
      location: response.headers.get('location'),
      type: response.headers.get('content-type'),
      body: document?.response === response ? document.html! : await response.text(),
    };
  }

  it('writes the same document on both renderers, and takes the one-pass render', async () => {
    let wholeRenders = 0;
    const wholeOnly = withRenderer(async (...args) => {
      const response = await entry.renderWhole(...args);
      if (!response) throw new Error('the one-pass render fell back');
      wholeRenders += 1;
      return response;
    });
    const streaming = withRenderer(entry.renderStreaming);
    const byDefault = withRenderer(entry.default);
    let documents = 0;
    for (const page of cases) {
      const whole = await fetchPage(wholeOnly, page);
      const streamed = await fetchPage(streaming, page);
      expect(whole, `${page.path} ${page.cookie ?? ''} ${page.who ?? ''}`).toEqual(streamed);
      expect(await fetchPage(byDefault, page)).toEqual(streamed);
      if (streamed.type?.startsWith('text/html')) {
        documents += 1;
        expect(streamed.body.startsWith('<!DOCTYPE html><html')).toBe(true);
        expect(streamed.body).toContain('window.__reactRouterContext.streamController.close()');
      }
    }
    // Every case but the signed-out member page (a redirect) is a document.
    expect(documents).toBe(cases.length - 1);
    expect(wholeRenders).toBe(documents);
  });

  it('sends the same documents from the render threads', async () => {
    pool = new RenderPool({
      size: 1,
      workerFile: path.join(repoRoot, 'build', 'app', 'render-worker.js'),
      serverBuildFile: path.join(repoRoot, 'build', 'server', 'index.js'),
      logger: pino({ level: 'silent' }),
      getSession: (headers) => {
        const who = /session=(user|admin)/.exec(headers.get('cookie') ?? '')?.[1] as
          'user' | 'admin' | undefined;
        return Promise.resolve(who ? session(who) : null);
      },
    });
    const streaming = withRenderer(entry.renderStreaming);
    for (const page of cases) {
      const headers = requestHeaders(page);
      const rendered = await pool.render({
        url: `http://localhost:3000${page.path}`,
        method: 'GET',
        headers: [...headers],
        nonce: NONCE,
        secureCookies: false,
        sessionCookie: 'session',
      });
      const header = (name: string) => rendered.headers.find(([n]) => n === name)?.[1] ?? null;
      const expected = await fetchPage(streaming, page);
      expect(
        {
          status: rendered.status,
          location: header('location'),
          type: header('content-type'),
          body: new TextDecoder().decode(rendered.body ?? new Uint8Array()),
        },
        page.path,
      ).toEqual(expected);
    }
    const head = await pool.render({
      url: 'http://localhost:3000/en/sign-in',
      method: 'HEAD',
      headers: [],
      nonce: NONCE,
      secureCookies: false,
      sessionCookie: 'session',
    });
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
  });

  it('renders members their own header (the documents differ by session)', async () => {
    const handle = withRenderer(entry.default);
    const member = await fetchPage(handle, { path: '/en/dashboard', who: 'user' });
    expect(member.status).toBe(200);
    expect(member.body).toContain('Ada Lovelace');
    const visitor = await fetchPage(handle, { path: '/en/dashboard' });
    expect(visitor.status).toBe(302);
    expect(visitor.location).toContain('/en/sign-in');
  });
});
