import type { Context } from 'hono';
import { AppError } from '../errors';
import type { AppDeps, AppEnv } from '../http/context';
import { getCurrentSession, type SessionUser } from './get-session';

/** The signed-in member, or a 401 `unauthorized`. */
export async function requireUser(deps: AppDeps, c: Context<AppEnv>): Promise<SessionUser> {
  const current = await getCurrentSession(deps, c.req.raw.headers);
  if (!current) throw new AppError('unauthorized');
  return current.user;
}
