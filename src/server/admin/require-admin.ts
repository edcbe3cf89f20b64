/**
 * Admin pages and APIs exist only for admins: anyone else, signed in or not,
 * gets the same 404 as for a path that does not exist, so the admin surface
 * is not even revealed (issue 4, part 9).
 */
import type { Context } from 'hono';
import { getCurrentSession, type SessionUser } from '../auth/get-session';
import { AppError } from '../errors';
import type { AppDeps, AppEnv } from '../http/context';

export async function requireAdmin(deps: AppDeps, c: Context<AppEnv>): Promise<SessionUser> {
  const current = await getCurrentSession(deps, c.req.raw.headers);
  if (current?.user.role !== 'admin') throw new AppError('not_found');
  return current.user;
}
