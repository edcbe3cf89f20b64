/**
 * The signed-in member of a request, or null. Adds the absolute session cap
 * (decision 003) on top of Better Auth's idle expiry: a session older than
 * SESSION_ABSOLUTE_DAYS is deleted and treated as signed out.
 */
import { eq } from 'drizzle-orm';
import { sessions } from '../db/schema';
import type { AppDeps } from '../http/context';

export interface SessionUser {
  id: string;
  name: string;
  email: string;
  emailVerified: boolean;
  role: 'user' | 'admin';
  locale: string | null;
}

export interface CurrentSession {
  user: SessionUser;
  session: { id: string; createdAt: Date; expiresAt: Date };
}

export async function getCurrentSession(
  deps: Pick<AppDeps, 'auth' | 'database' | 'config' | 'now'>,
  headers: Headers,
): Promise<CurrentSession | null> {
  // No session cookie: skip the database entirely (most page views).
  const cookie = headers.get('cookie');
  if (!cookie || !cookie.includes('session=')) return null;
  const result = await deps.auth.api.getSession({ headers });
  if (!result) return null;
  const { session, user } = result;
  const age = deps.now().getTime() - new Date(session.createdAt).getTime();
  if (age >= deps.config.session.absoluteSeconds * 1000) {
    await deps.database.db.delete(sessions).where(eq(sessions.id, session.id));
    return null;
  }
  const extra = user as typeof user & { role?: string; locale?: string | null };
  return {
    user: {
      id: user.id,
      name: user.name,
      email: user.email,
      emailVerified: user.emailVerified,
      role: extra.role === 'admin' ? 'admin' : 'user',
      locale: extra.locale ?? null,
    },
    session: {
      id: session.id,
      createdAt: new Date(session.createdAt),
      expiresAt: new Date(session.expiresAt),
    },
  };
}
