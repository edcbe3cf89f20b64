/**
 * What page loaders learn about the visitor: the session, plus the member's
 * credit balance for the header (one more indexed read, only for members).
 * Runs on the main thread, which owns the database; render workers ask for it
 * by message.
 */
import { getCurrentSession, type CurrentSession } from '../auth/get-session';
import { getBalance, type CreditBalance } from '../credits';
import type { AppDeps } from '../http/context';

export interface PageSession extends CurrentSession {
  credits: CreditBalance;
}

export async function getPageSession(deps: AppDeps, headers: Headers): Promise<PageSession | null> {
  const session = await getCurrentSession(deps, headers);
  if (!session) return null;
  return { ...session, credits: await getBalance(deps.database.db, session.user.id) };
}
