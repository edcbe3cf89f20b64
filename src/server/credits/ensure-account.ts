/**
 * A member's credit account, created on first use. Sign-up does not need
 * to call this: a grant creates the account too (see grant-credits.ts).
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { creditAccounts } from '../db/schema';
import { AppError } from '../errors';
import { FOREIGN_KEY_VIOLATION, postgresErrorOf } from './postgres-error';

/** Returns the account id of `userId`, inserting the account if it is missing (safe under concurrency). */
export async function ensureAccount(db: Db, userId: string): Promise<{ accountId: string }> {
  try {
    // One upsert, no lookup first: two concurrent callers cannot create two accounts.
    // Its own (sub)transaction, so an unknown user does not abort a caller's transaction.
    const [inserted] = await db.transaction((tx) =>
      tx
        .insert(creditAccounts)
        .values({ userId, kind: 'user' })
        .onConflictDoNothing({ target: creditAccounts.userId })
        .returning({ id: creditAccounts.id }),
    );
    if (inserted) return { accountId: inserted.id };
  } catch (error) {
    if (postgresErrorOf(error)?.code === FOREIGN_KEY_VIOLATION) {
      throw new AppError('not_found', { detail: `user ${userId} does not exist`, cause: error });
    }
    throw error;
  }
  const [existing] = await db
    .select({ id: creditAccounts.id })
    .from(creditAccounts)
    .where(and(eq(creditAccounts.userId, userId), eq(creditAccounts.kind, 'user')));
  if (!existing) throw new Error(`credit account of user ${userId} conflicted but is not visible`);
  return { accountId: existing.id };
}
