import { createHmac } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../tests/support/app';
import { sessions, users } from '../db/schema';
import { sessionUpdateAgeSeconds } from './auth';
import { getCurrentSession, verifiedToken } from './get-session';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_SIGN_UP_PER_HOUR: '1000' });
});
afterAll(() => t.close());

const read = (cookie: string) => getCurrentSession(t.deps, new Headers({ cookie }));

/** The session cookie's value (`<token>.<signature>`, URL-decoded) and its token. */
function sessionCookie(cookie: string) {
  const pair = cookie.split('; ').find((p) => p.startsWith('session='))!;
  const value = decodeURIComponent(pair.slice('session='.length));
  return { value, token: value.slice(0, value.lastIndexOf('.')) };
}
const signed = (token: string, secret: string) =>
  `session=${encodeURIComponent(`${token}.${createHmac('sha256', secret).update(token).digest('base64')}`)}`;

describe('reading the session directly', () => {
  it('answers what Better Auth answers for a fresh session, with the role and language', async () => {
    const { cookie, email } = await signUp(t);
    await t.database.db.update(users).set({ role: 'admin' }).where(eq(users.email, email));
    const betterAuth = vi.spyOn(t.deps.auth.api, 'getSession');
    const direct = await read(cookie);
    // Answered without Better Auth: one statement instead of its endpoint.
    expect(betterAuth).not.toHaveBeenCalled();
    betterAuth.mockRestore();
    const reference = await t.deps.auth.api.getSession({ headers: new Headers({ cookie }) });
    expect(direct?.user).toEqual({
      id: reference!.user.id,
      name: reference!.user.name,
      email,
      emailVerified: false,
      role: 'admin',
      locale: 'en',
    });
    expect(direct?.session.id).toBe(reference!.session.id);
    expect(direct?.session.expiresAt.getTime()).toBe(new Date(reference!.session.expiresAt).getTime());
  });

  it('refuses a cookie whose token or signature was changed, or that another secret signed', async () => {
    const { cookie } = await signUp(t);
    const { value, token } = sessionCookie(cookie);
    expect(await read(signed(token, t.deps.config.appSecret))).not.toBeNull();
    const flipped = `${token.slice(0, -1)}${token.endsWith('a') ? 'b' : 'a'}`;
    expect(await read(`session=${encodeURIComponent(`${flipped}${value.slice(token.length)}`)}`)).toBeNull();
    expect(await read(signed(token, 'another secret of the right kind'))).toBeNull();
    expect(await read(`session=${token}`)).toBeNull();
    expect(await read(`session=${encodeURIComponent(`${token}.short=`)}`)).toBeNull();
    expect(await read(`other_session=${encodeURIComponent(value)}`)).toBeNull();
    // The same answer through the API: 401, not a member.
    const response = await t.request('/api/credits', { headers: { cookie: signed(token, 'x'.repeat(32)) } });
    expect(response.status).toBe(401);
  });

  it('answers null for a signed-out session', async () => {
    const { cookie } = await signUp(t);
    expect(await read(cookie)).not.toBeNull();
    const out = await t.request('/api/auth/sign-out', { method: 'POST', json: {}, headers: { cookie } });
    expect(out.status).toBe(200);
    expect(await read(cookie)).toBeNull();
  });

  it('leaves an expired session to Better Auth, which deletes it', async () => {
    const { cookie } = await signUp(t);
    const { token } = sessionCookie(cookie);
    await t.database.db
      .update(sessions)
      .set({ expiresAt: new Date(Date.now() - 60_000) })
      .where(eq(sessions.token, token));
    expect(await read(cookie)).toBeNull();
    expect(await t.database.db.select().from(sessions).where(eq(sessions.token, token))).toHaveLength(0);
  });

  it('leaves a due idle-window slide to Better Auth, which moves the expiry forward', async () => {
    const { cookie } = await signUp(t);
    const { token } = sessionCookie(cookie);
    const idle = t.deps.config.session.idleSeconds;
    // Just past the point where the window slides: expires in idle − updateAge − 1 min.
    const stale = new Date(Date.now() + (idle - sessionUpdateAgeSeconds(idle) - 60) * 1000);
    await t.database.db.update(sessions).set({ expiresAt: stale }).where(eq(sessions.token, token));
    const betterAuth = vi.spyOn(t.deps.auth.api, 'getSession');
    const current = await read(cookie);
    expect(betterAuth).toHaveBeenCalledOnce();
    betterAuth.mockRestore();
    expect(current?.user.email).toBeTruthy();
    const [row] = await t.database.db.select().from(sessions).where(eq(sessions.token, token));
    expect(row!.expiresAt.getTime()).toBeGreaterThan(stale.getTime() + 30 * 60_000);
  });
});

describe('verifiedToken', () => {
  const secret = 'a test secret that is long enough';
  const value = (token: string) => `${token}.${createHmac('sha256', secret).update(token).digest('base64')}`;
  it('returns the token of a value signed with the secret', () => {
    expect(verifiedToken(value('abc123'), secret)).toBe('abc123');
    expect(verifiedToken(value('with.dots.inside'), secret)).toBe('with.dots.inside');
  });
  it('refuses missing, unsigned, truncated and foreign values', () => {
    expect(verifiedToken(undefined, secret)).toBeNull();
    expect(verifiedToken('', secret)).toBeNull();
    expect(verifiedToken('abc123', secret)).toBeNull();
    expect(verifiedToken('.abc', secret)).toBeNull();
    expect(verifiedToken(value('abc123').slice(0, -2), secret)).toBeNull();
    expect(verifiedToken(value('abc123'), `${secret}!`)).toBeNull();
    expect(verifiedToken(`abc124${value('abc123').slice(6)}`, secret)).toBeNull();
  });
});
