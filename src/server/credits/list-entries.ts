/**
 * A member's credit history, newest first: one item per ledger transaction
 * on their account, with how it changed each bucket. Pages are cut by the
 * transaction sequence number: every transaction of an account takes the
 * account lock before it draws its number, so per account the numbers
 * follow commit order, and paging never repeats or skips an item when new
 * transactions arrive meanwhile.
 */
import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import {
  creditAccounts,
  creditHolds,
  ledgerEntries,
  ledgerTransactions,
  type LedgerTransactionKind,
} from '../db/schema';
import { invalid } from './inputs';

export interface LedgerHistoryItem {
  id: string;
  kind: LedgerTransactionKind;
  /** The operation's own figure: granted, held, settled, released by a void, expired, revoked. */
  amount: number;
  /** Change of the spendable balance (negative for a hold, an expiry, a revoke). */
  availableChange: number;
  /** Change of the reserved balance. */
  heldChange: number;
  reason: string | null;
  /** For holds and their settle or void: what the credits were held for (the generation id). */
  reference: string | null;
  createdAt: Date;
}

export interface LedgerHistoryPage {
  items: LedgerHistoryItem[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** A page holds 1 to 100 items (20 by default): enough for a history screen, bounded for the database. */
const MAX_LIMIT = 100;
const DEFAULT_LIMIT = 20;

export async function listEntries(
  db: Db,
  userId: string,
  options: { cursor?: string | null; limit?: number } = {},
): Promise<LedgerHistoryPage> {
  const limit = Math.max(1, Math.min(options.limit ?? DEFAULT_LIMIT, MAX_LIMIT));
  let before: number | undefined;
  if (options.cursor) {
    if (!/^\d{1,15}$/.test(options.cursor)) throw invalid('cursor', 'cursor is not one this list returned');
    before = Number(options.cursor);
  }
  const [account] = await db
    .select({ id: creditAccounts.id })
    .from(creditAccounts)
    .where(and(eq(creditAccounts.userId, userId), eq(creditAccounts.kind, 'user')));
  if (!account) return { items: [], nextCursor: null };

  const t = ledgerTransactions;
  const rows = await db
    .select({
      id: t.id,
      seq: t.seq,
      kind: t.kind,
      amount: t.amount,
      reason: t.reason,
      createdAt: t.createdAt,
      reference: creditHolds.reference,
      availableChange: sql<number>`coalesce(sum(${ledgerEntries.amount}) filter (where ${ledgerEntries.bucket} = 'available'), 0)::int`,
      heldChange: sql<number>`coalesce(sum(${ledgerEntries.amount}) filter (where ${ledgerEntries.bucket} = 'held'), 0)::int`,
    })
    .from(t)
    .leftJoin(
      ledgerEntries,
      and(eq(ledgerEntries.transactionId, t.id), eq(ledgerEntries.accountId, t.accountId)),
    )
    // a hold's id is its transaction id; settles and voids point at it
    .leftJoin(creditHolds, eq(creditHolds.id, sql`coalesce(${t.holdId}, ${t.id})`))
    .where(and(eq(t.accountId, account.id), before === undefined ? undefined : lt(t.seq, before)))
    .groupBy(t.id, creditHolds.reference)
    .orderBy(desc(t.seq))
    .limit(limit + 1);

  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(({ seq: _seq, ...item }) => ({
      ...item,
      availableChange: Number(item.availableChange),
      heldChange: Number(item.heldChange),
    })),
    nextCursor: rows.length > limit && last ? String(last.seq) : null,
  };
}
