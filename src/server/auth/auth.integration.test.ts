import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieHeader, createTestApp, signUp, uniqueEmail, type TestApp } from '../../../tests/support/app';
import { sessions, users } from '../db/schema';

let t: TestApp;
beforeAll(async () => {
  // High limits here; the rate-limit tests below use their own app.
  t = await createTestApp({ RATE_LIMIT_SIGN_IN_PER_MINUTE: '1000', RATE_LIMIT_SIGN_UP_PER_HOUR: '1000' });
});
afterAll(() => t.close());

function parseSetCookie(header: string) {
  const [pair = '', ...attributes] = header.split(';').map((p) => p.trim());
  const lower = attributes.map((a) => a.toLowerCase());
  return {
    name: pair.slice(0, pair.indexOf('=')),
    httpOnly: lower.includes('httponly'),
    secure: lower.includes('secure'),
    sameSite: lower.find((a) => a.startsWith('samesite='))?.split('=')[1],
    path: lower.find((a) => a.startsWith('path='))?.split('=')[1],
    domain: lower.find((a) => a.startsWith('domain=')),
  };
}

describe('sign up', () => {
  it('creates the member and sets an HttpOnly, SameSite=Lax session cookie; no token in the body', async () => {
    const email = uniqueEmail();
    const response = await t.request('/api/auth/sign-up/email', {
      json: { name: 'Ada', email, password: 'a long enough passphrase' },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty('token');
    expect(body.user).toMatchObject({ email, name: 'Ada', emailVerified: false });
    expect(JSON.stringify(body)).not.toContain('password');
    const session = response.headers
      .getSetCookie()
      .map(parseSetCookie)
      .find((c) => c.name === 'session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'lax', path: '/' });
    expect(session?.domain).toBeUndefined();
    const [row] = await t.database.db.select().from(users).where(eq(users.email, email));
    expect(row?.role).toBe('user');
    expect(row?.locale).toBe('en');
  });

  it('uses a __Host- name and Secure when the public URL is https', async () => {
    const secure = await createTestApp({ PUBLIC_URL: 'https://images.example.test' });
    try {
      const response = await secure.request('/api/auth/sign-up/email', {
        json: { name: 'Sec', email: uniqueEmail(), password: 'a long enough passphrase' },
        headers: { origin: 'https://images.example.test' },
      });
      expect(response.status).toBe(200);
      const cookies = response.headers.getSetCookie().map(parseSetCookie);
      const session = cookies.find((c) => c.name === '__Host-session');
      expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'lax', path: '/' });
      expect(session?.domain).toBeUndefined();
      expect(cookies.every((c) => c.name.startsWith('__Host-'))).toBe(true);
    } finally {
      await secure.close();
    }
  });

  it('stores the language the member signed up in', async () => {
    const email = uniqueEmail();
    const response = await t.request('/api/auth/sign-up/email', {
      json: { name: '李雷', email, password: 'a long enough passphrase' },
      headers: { 'accept-language': 'zh' },
    });
    expect(response.status).toBe(200);
    const [row] = await t.database.db.select().from(users).where(eq(users.email, email));
    expect(row?.locale).toBe('zh');
  });

  it('answers field errors in the request language for missing and invalid fields', async () => {
    const response = await t.request('/api/auth/sign-up/email', {
      json: { email: 'not-an-email', password: 'short' },
      headers: { 'accept-language': 'zh' },
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      error: { code: string; fields: { field: string; message: string }[] };
    };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.fields).toEqual(
      expect.arrayContaining([
        { field: 'name', message: '此项为必填项。' },
        { field: 'email', message: '请输入有效的电子邮箱地址。' },
        { field: 'password', message: '至少需要 8 个字符。' },
      ]),
    );
  });

  it('answers 400 invalid_json for malformed JSON and validation_failed for wrong types', async () => {
    const malformed = await t.request('/api/auth/sign-up/email', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name": "x",',
    });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { code: 'invalid_json' } });
    const wrongTypes = await t.request('/api/auth/sign-up/email', {
      json: { name: 42, email: ['a'], password: true },
    });
    expect(wrongTypes.status).toBe(400);
    const body = (await wrongTypes.json()) as { error: { fields: { field: string; message: string }[] } };
    expect(body.error.fields.map((f) => f.field).sort()).toEqual(['email', 'name', 'password']);
    expect(body.error.fields[0]?.message).toBe('This value has the wrong type.');
  });

  it('refuses fields it does not know (no mass assignment of role)', async () => {
    const response = await t.request('/api/auth/sign-up/email', {
      json: { name: 'Mallory', email: uniqueEmail(), password: 'a long enough passphrase', role: 'admin' },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'validation_failed' } });
  });

  it('answers 409 email_taken for an existing email', async () => {
    const { email } = await signUp(t);
    const response = await t.request('/api/auth/sign-up/email', {
      json: { name: 'Again', email, password: 'another long passphrase' },
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: { code: 'email_taken' } });
  });
});

describe('sign in and out', () => {
  it('signs in with the right password and reads the session', async () => {
    const { email, password } = await signUp(t);
    const response = await t.request('/api/auth/sign-in/email', { json: { email, password } });
    expect(response.status).toBe(200);
    expect(await response.json()).not.toHaveProperty('token');
    const cookie = cookieHeader(response);
    const session = await t.request('/api/auth/get-session', { headers: { cookie } });
    const body = (await session.json()) as { user: { email: string; role: string } };
    expect(body.user).toMatchObject({ email, role: 'user' });
    expect(JSON.stringify(body)).not.toMatch(/token/i);
  });

  it('gives a wrong password exactly the same answer as an unknown email', async () => {
    const { email } = await signUp(t);
    const wrong = await t.request('/api/auth/sign-in/email', {
      json: { email, password: 'not the password' },
    });
    const unknown = await t.request('/api/auth/sign-in/email', {
      json: { email: uniqueEmail('ghost'), password: 'not the password' },
    });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(wrong.status);
    expect(await unknown.json()).toEqual(await wrong.json());
  });

  it('signs out: the old session cookie no longer works', async () => {
    const { cookie } = await signUp(t);
    const before = t.logs.length;
    const out = await t.request('/api/auth/sign-out', { method: 'POST', json: {}, headers: { cookie } });
    expect(out.status).toBe(200);
    const cleared = out.headers.getSetCookie();
    expect(cleared.map((c) => c.split('=')[0])).toContain('session');
    expect(cleared.every((c) => /Max-Age=0/.test(c))).toBe(true);
    expect(t.logs.slice(before).filter((l) => l.includes('"level":"error"'))).toEqual([]);
    const session = await t.request('/api/auth/get-session', { headers: { cookie } });
    expect(await session.json()).toBeNull();
  });

  it('ends a session at the absolute lifetime even when it is in use', async () => {
    const { cookie } = await signUp(t);
    const before = await t.request('/api/auth/get-session', { headers: { cookie } });
    const { session } = (await before.json()) as { session: { id: string } };
    expect(session.id).toBeTruthy();
    t.advance(t.deps.config.session.absoluteSeconds * 1000 + 1000);
    try {
      const after = await t.request('/api/auth/get-session', { headers: { cookie } });
      expect(await after.json()).toBeNull();
      const rows = await t.database.db.select().from(sessions).where(eq(sessions.id, session.id));
      expect(rows).toHaveLength(0);
    } finally {
      t.advance(-(t.deps.config.session.absoluteSeconds * 1000 + 1000));
    }
  });

  it('never logs a password, a session token or the secret', async () => {
    const password = 'unique-password-for-log-check-9431';
    const { cookie, email } = await signUp(t, { password });
    await t.request('/api/auth/sign-in/email', { json: { email, password: `${password}-wrong` } });
    await t.request('/api/auth/sign-in/email', { json: { email, password } });
    const token = cookie.split('=')[1]?.split('.')[0] ?? 'unreachable';
    const all = t.logs.join('\n');
    expect(all.length).toBeGreaterThan(0);
    expect(all).not.toContain(password);
    expect(all).not.toContain(token);
    expect(all).not.toContain(t.deps.config.appSecret);
  });
});

describe('rate limits', () => {
  it('limits sign-in attempts per client IP with 429 and Retry-After', async () => {
    const limited = await createTestApp({ RATE_LIMIT_SIGN_IN_PER_MINUTE: '3' });
    try {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 5; i++) {
        last = await limited.request('/api/auth/sign-in/email', {
          json: { email: uniqueEmail(), password: 'whatever it is' },
          ip: '203.0.113.7',
        });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await last?.json()).toMatchObject({ error: { code: 'rate_limited' } });
      // Another client is unaffected.
      const other = await limited.request('/api/auth/sign-in/email', {
        json: { email: uniqueEmail(), password: 'whatever it is' },
        ip: '203.0.113.8',
      });
      expect(other.status).toBe(401);
    } finally {
      await limited.close();
    }
  });

  it('ignores X-Forwarded-For from an untrusted peer', async () => {
    const limited = await createTestApp({ RATE_LIMIT_SIGN_UP_PER_HOUR: '2' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await limited.request('/api/auth/sign-up/email', {
          json: { name: 'Spoof', email: uniqueEmail(), password: 'a long enough passphrase' },
          headers: { 'x-forwarded-for': `198.51.100.${i}` },
          ip: '203.0.113.9',
        });
        statuses.push(response.status);
      }
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await limited.close();
    }
  });
});
