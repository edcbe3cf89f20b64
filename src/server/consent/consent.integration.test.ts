import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieHeader, createTestApp, signUp, type TestApp } from '../../../tests/support/app';
import { COOKIE_POLICY_VERSION } from '../../shared/cookie-registry';
import { parseConsent } from '../../shared/consent';
import { consentRecords } from '../db/schema';
import { cookieGuard } from '../http/cookie-guard';
import type { AppEnv } from '../http/context';
import { bannerTextHash } from './routes';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

function consentCookie(response: Response) {
  const header = response.headers.getSetCookie().find((c) => c.startsWith('consent='));
  return { header, state: parseConsent(header?.split(';')[0]?.slice('consent='.length)) };
}

async function recordsFor(consentId: string) {
  return t.database.db.select().from(consentRecords).where(eq(consentRecords.consentId, consentId));
}

describe('POST /api/consent', () => {
  it('records "accept all" as proof and sets the consent cookie with the policy version', async () => {
    const response = await t.request('/api/consent', { json: { action: 'accept_all' } });
    expect(response.status).toBe(200);
    const { header, state } = consentCookie(response);
    expect(state).toMatchObject({
      version: COOKIE_POLICY_VERSION,
      granted: ['performance', 'functional', 'analytics'],
    });
    expect(header).toMatch(/Max-Age=15724800/); // 182 days: asked again after 6 months
    expect(header).toMatch(/SameSite=Lax/);
    const records = await recordsFor(state!.consentId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      action: 'accept_all',
      policyVersion: COOKIE_POLICY_VERSION,
      categories: ['performance', 'functional', 'analytics'],
      userId: null,
      locale: 'en',
      uiTextHash: bannerTextHash('en'),
    });
  });

  it('records "reject all" with no categories', async () => {
    const response = await t.request('/api/consent', { json: { action: 'reject_all' } });
    const { state } = consentCookie(response);
    expect(state?.granted).toEqual([]);
    const [record] = await recordsFor(state!.consentId);
    expect(record).toMatchObject({ action: 'reject_all', categories: [] });
  });

  it('keeps exactly the ticked categories for a custom choice', async () => {
    const response = await t.request('/api/consent', {
      json: { action: 'custom', categories: ['analytics', 'functional'] },
      headers: { 'accept-language': 'zh' },
    });
    const { state } = consentCookie(response);
    expect(state?.granted).toEqual(['functional', 'analytics']);
    const [record] = await recordsFor(state!.consentId);
    expect(record).toMatchObject({ action: 'custom', locale: 'zh', uiTextHash: bannerTextHash('zh') });
    expect(bannerTextHash('zh')).not.toBe(bannerTextHash('en'));
  });

  it('keeps the pseudonymous id across choices and deletes functional cookies on withdrawal', async () => {
    const first = await t.request('/api/consent', { json: { action: 'accept_all' } });
    const { state: accepted } = consentCookie(first);
    const cookie = `${cookieHeader(first)}; locale=zh; theme=dark`;
    const withdrawn = await t.request('/api/consent', { json: { action: 'withdraw' }, headers: { cookie } });
    expect(withdrawn.status).toBe(200);
    const { state } = consentCookie(withdrawn);
    expect(state?.consentId).toBe(accepted?.consentId);
    expect(state?.granted).toEqual([]);
    const deletions = withdrawn.headers
      .getSetCookie()
      .filter((c) => /Max-Age=0/.test(c))
      .map((c) => c.split('=')[0]);
    expect(deletions.sort()).toEqual(['locale', 'theme']);
    const records = await recordsFor(accepted!.consentId);
    expect(records.map((r) => r.action).sort()).toEqual(['accept_all', 'withdraw']);
  });

  it('links the record to the member when signed in', async () => {
    const { cookie, response } = await signUp(t);
    const { user } = (await response.json()) as { user: { id: string } };
    const choice = await t.request('/api/consent', { json: { action: 'reject_all' }, headers: { cookie } });
    const { state } = consentCookie(choice);
    const [record] = await recordsFor(state!.consentId);
    expect(record?.userId).toBe(user.id);
  });

  it('refuses an unknown action or category with a field error and records nothing', async () => {
    const before = await t.database.db.select().from(consentRecords);
    const response = await t.request('/api/consent', {
      json: { action: 'accept_some', categories: ['ads'] },
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { fields: { field: string }[] } };
    expect(body.error.fields.map((f) => f.field).sort()).toEqual(['action', 'categories.0']);
    expect(response.headers.getSetCookie()).toEqual([]);
    const after = await t.database.db.select().from(consentRecords);
    expect(after).toHaveLength(before.length);
  });
});

describe('the cookie registry guard', () => {
  function appSetting(cookies: string[], consentCookie?: string) {
    const app = new Hono<AppEnv>();
    app.use(async (c, next) => {
      c.set('log', t.deps.logger);
      await next();
    });
    app.use(cookieGuard({ secure: false, now: () => new Date() }));
    app.get('/', (c) => {
      for (const cookie of cookies) c.header('set-cookie', cookie, { append: true });
      return c.text('ok');
    });
    return {
      request: (path: string) =>
        app.request(path, consentCookie ? { headers: { cookie: `consent=${consentCookie}` } } : {}),
    };
  }

  it('drops a cookie the registry does not declare', async () => {
    const response = await appSetting(['tracker=1; Path=/', 'consent=x; Path=/']).request('/');
    expect(response.headers.getSetCookie().map((c) => c.split('=')[0])).toEqual(['consent']);
    expect(t.logs.some((l) => l.includes('refused a cookie the registry does not declare'))).toBe(true);
  });

  it('drops a functional cookie without functional consent, keeps it with consent', async () => {
    const without = await appSetting(['locale=zh; Path=/']).request('/');
    expect(without.headers.getSetCookie()).toEqual([]);
    const granted = `${COOKIE_POLICY_VERSION}.abcdefghijklmnopqrstuv.f.${Math.floor(Date.now() / 1000)}`;
    const withConsent = await appSetting(['locale=zh; Path=/'], granted).request('/');
    expect(withConsent.headers.getSetCookie()).toHaveLength(1);
  });

  it('drops the deletion of a cookie it never declared, without an error', async () => {
    const before = t.logs.length;
    const response = await appSetting(['better-auth.session_data=; Max-Age=0; Path=/']).request('/');
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(t.logs.slice(before).some((l) => l.includes('"level":"error"'))).toBe(false);
  });

  it("counts the consent this response sets, not only the request's", async () => {
    const granting = `consent=${COOKIE_POLICY_VERSION}.abcdefghijklmnopqrstuv.f.${Math.floor(Date.now() / 1000)}; Path=/`;
    const response = await appSetting([granting, 'locale=zh; Path=/']).request('/');
    expect(response.headers.getSetCookie().map((c) => c.split('=')[0])).toEqual(['consent', 'locale']);
  });

  it('guards responses written by Node too, whatever built them', async () => {
    const { createServer } = await import('node:http');
    const { guardedResponseClass } = await import('../http/cookie-guard');
    const ServerResponse = guardedResponseClass({
      secure: false,
      now: () => new Date(),
      defaults: { 'x-content-type-options': 'nosniff' },
      logger: t.deps.logger,
    });
    const server = createServer({ ServerResponse }, (req, res) => {
      const head =
        req.url === '/set'
          ? undefined
          : { 'set-cookie': ['tracker=1; Path=/', 'theme=dark; Path=/', 'consent=x; Path=/'] };
      if (head) res.writeHead(200, head);
      else {
        res.setHeader('set-cookie', ['tracker=1; Path=/', 'consent=y; Path=/']);
        res.writeHead(200);
      }
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/`);
      // tracker: undeclared; theme: functional without consent; consent: essential.
      expect(response.headers.getSetCookie().map((c) => c.split('=')[0])).toEqual(['consent']);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      // Headers set with setHeader() before a bare writeHead() are guarded too.
      const viaSetHeader = await fetch(`http://127.0.0.1:${port}/set`);
      expect(viaSetHeader.headers.getSetCookie().map((c) => c.split('=')[0])).toEqual(['consent']);
      expect(viaSetHeader.headers.get('x-content-type-options')).toBe('nosniff');
    } finally {
      server.close();
    }
  });

  it('always lets a declared cookie be deleted', async () => {
    const response = await appSetting(['theme=; Max-Age=0; Path=/']).request('/');
    expect(response.headers.getSetCookie()).toHaveLength(1);
  });
});
