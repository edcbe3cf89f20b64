/**
 * What `npm run admin` does (admin-cli.ts parses the command line):
 * - `create-admin EMAIL`: gives an existing account the admin role, or
 *   creates the account with a random password, printed once, for the
 *   operator to change after signing in;
 * - `remove-admin EMAIL`: takes the role away;
 * - `list-admins`.
 * Each change is written to the audit log with the actor `cli`.
 */
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Auth } from '../auth/auth';
import type { Db } from '../db/client';
import { users } from '../db/schema';
import { recordAudit, type AuditActor } from './audit';

export interface AdminCommandDeps {
  db: Db;
  auth: Auth;
  now: () => Date;
  /** Who ran the command, for the audit log (the operating-system user). */
  operator: string;
}

export type CreateAdminResult =
  | { outcome: 'promoted' | 'already_admin'; email: string }
  | { outcome: 'created'; email: string; password: string };

const actorOf = (deps: AdminCommandDeps): AuditActor => ({ id: 'cli', email: `cli:${deps.operator}` });

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export class AdminCommandError extends Error {
  override name = 'AdminCommandError';
}

async function findUser(db: Db, email: string) {
  const [user] = await db
    .select({ id: users.id, email: users.email, role: users.role })
    .from(users)
    .where(eq(sql`lower(${users.email})`, email));
  return user;
}

export async function createAdmin(deps: AdminCommandDeps, rawEmail: string): Promise<CreateAdminResult> {
  const email = rawEmail.trim().toLowerCase();
  if (!EMAIL.test(email)) throw new AdminCommandError(`not an email address: ${rawEmail}`);
  let user = await findUser(deps.db, email);
  let password: string | undefined;
  if (!user) {
    password = randomBytes(12).toString('base64url');
    await deps.auth.api.signUpEmail({ body: { email, password, name: email.split('@')[0] ?? email } });
    user = await findUser(deps.db, email);
    if (!user) throw new AdminCommandError(`the account ${email} could not be created`);
  }
  if (user.role === 'admin') return { outcome: 'already_admin', email };
  await deps.db.transaction(async (tx) => {
    await tx.update(users).set({ role: 'admin' }).where(eq(users.id, user.id));
    await recordAudit(
      tx,
      actorOf(deps),
      {
        action: 'user.admin_granted',
        targetType: 'user',
        targetId: user.id,
        details: { email, created: Boolean(password) },
      },
      deps.now(),
    );
  });
  return password ? { outcome: 'created', email, password } : { outcome: 'promoted', email };
}

export async function removeAdmin(
  deps: AdminCommandDeps,
  rawEmail: string,
): Promise<'removed' | 'not_admin'> {
  const email = rawEmail.trim().toLowerCase();
  const user = await findUser(deps.db, email);
  if (!user) throw new AdminCommandError(`no account with the email ${email}`);
  if (user.role !== 'admin') return 'not_admin';
  await deps.db.transaction(async (tx) => {
    await tx.update(users).set({ role: 'user' }).where(eq(users.id, user.id));
    await recordAudit(
      tx,
      actorOf(deps),
      { action: 'user.admin_removed', targetType: 'user', targetId: user.id, details: { email } },
      deps.now(),
    );
  });
  return 'removed';
}

export async function listAdmins(db: Db): Promise<string[]> {
  const rows = await db
    .select({ email: users.email })
    .from(users)
    .where(eq(users.role, 'admin'))
    .orderBy(users.email);
  return rows.map((row) => row.email);
}
