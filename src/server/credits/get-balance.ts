/** A member's balance, read from the cached account row (kept equal to the journal's fold; see checker.ts). */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { creditAccounts } from '../db/schema';

export interface CreditBalance {
  /** Spendable now. */
  available: number;
  /** Reserved by holds of work in flight. */
  held: number;
}

/** A member without an account yet has nothing: 0 and 0. */
export async function getBalance(db: Db, userId: string): Promise<CreditBalance> {
  const [row] = await db
    .select({ available: creditAccounts.available, held: creditAccounts.held })
    .from(creditAccounts)
    .where(and(eq(creditAccounts.userId, userId), eq(creditAccounts.kind, 'user')));
  return row ?? { available: 0, held: 0 };
}
