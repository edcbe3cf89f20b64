/** `npm run admin`'s commands on a real database and the real auth setup. */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, uniqueEmail, type TestApp } from '../../../tests/support/app';
import { auditLog, users } from '../db/schema';
import {
  AdminCommandError,
  createAdmin,
  listAdmins,
  removeAdmin,
  type AdminCommandDeps,
} from './admin-commands';

let t: TestApp;
let deps: AdminCommandDeps;
beforeAll(async () => {
  t = await createTestApp({ RATE_LIMIT_SIGN_UP_PER_HOUR: '1000' });
  deps = { db: t.database.db, auth: t.deps.auth, now: t.deps.now, operator: 'ops' };
});
afterAll(() => t.close());

const roleOf = async (email: string) =>
  (await t.database.db.select({ role: users.role }).from(users).where(eq(users.email, email)))[0]?.role;

describe('npm run admin', () => {
  it('promotes an existing member, whatever the case of the email, and audits it', async () => {
    const { email } = await signUp(t);
    expect(await createAdmin(deps, ` ${email.toUpperCase()} `)).toEqual({ outcome: 'promoted', email });
    expect(await roleOf(email)).toBe('admin');
    expect(await createAdmin(deps, email)).toEqual({ outcome: 'already_admin', email });
    const [entry] = await t.database.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'user.admin_granted'));
    expect(entry).toMatchObject({ actorId: 'cli', actorEmail: 'cli:ops', targetType: 'user' });
    expect(await listAdmins(t.database.db)).toContain(email);
  });

  it('creates a missing account with a password that signs in', async () => {
    const email = uniqueEmail('new-admin');
    const result = await createAdmin(deps, email);
    expect(result.outcome).toBe('created');
    if (result.outcome !== 'created') return;
    expect(result.password.length).toBeGreaterThanOrEqual(16);
    const signIn = await t.request('/api/auth/sign-in/email', { json: { email, password: result.password } });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    expect((await t.request('/api/admin/providers', { headers: { cookie } })).status).toBe(200);
  });

  it('removes the role, and refuses what it cannot do with a clear message', async () => {
    const { email } = await signUp(t);
    await createAdmin(deps, email);
    expect(await removeAdmin(deps, email)).toBe('removed');
    expect(await roleOf(email)).toBe('user');
    expect(await removeAdmin(deps, email)).toBe('not_admin');
    await expect(removeAdmin(deps, 'nobody@example.test')).rejects.toThrow(AdminCommandError);
    await expect(createAdmin(deps, 'not-an-email')).rejects.toThrow(/not an email address/);
  });
});
