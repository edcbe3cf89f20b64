/**
 * Writing the journal: claiming an idempotency key and recording the
 * balanced entries of a transaction. Every ledger operation goes through
 * here, so "one key, one effect" and "entries sum to zero" are enforced in
 * one place (and again by the checker).
 */
import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import {
  ledgerEntries,
  ledgerTransactions,
  type LedgerBucket,
  type LedgerTransaction,
  type LedgerTransactionKind,
} from '../db/schema';
import { AppError } from '../errors';

/** Parameters that identify a request; a replay must carry the same ones. */
export type Fingerprinted = Record<string, string | number | boolean | null>;

/** SHA-256 of the operation and its parameters with sorted keys, so key order never matters. */
export function fingerprintOf(kind: LedgerTransactionKind, params: Fingerprinted): string {
  const canonical = JSON.stringify([kind, Object.entries(params).sort(([a], [b]) => (a < b ? -1 : 1))]);
  return createHash('sha256').update(canonical).digest('hex');
}

export interface TransactionClaim {
  kind: LedgerTransactionKind;
  accountId: string;
  amount: number;
  unrecovered?: number;
  holdId?: string;
  grantId?: string;
  reason?: string | null;
  actorId?: string | null;
  idempotencyKey: string;
  params: Fingerprinted;
  at: Date;
}

export type ClaimResult =
  { claimed: true; transactionId: string } | { claimed: false; existing: LedgerTransaction };

/**
 * Claims the idempotency key by inserting the transaction row: one atomic
 * `insert … on conflict do nothing`, never a lookup first, so two concurrent
 * requests with one key cannot both pass (the second waits for the first to
 * commit, then finds its row). When the key is taken, the stored transaction
 * is returned if it was the same request, and `idempotency_mismatch` is
 * thrown otherwise. The caller's database transaction must not have failed
 * the claim for its own reasons: a rollback releases the key.
 */
export async function claimTransaction(tx: Db, claim: TransactionClaim): Promise<ClaimResult> {
  const fingerprint = fingerprintOf(claim.kind, claim.params);
  const [inserted] = await tx
    .insert(ledgerTransactions)
    .values({
      kind: claim.kind,
      accountId: claim.accountId,
      amount: claim.amount,
      unrecovered: claim.unrecovered ?? 0,
      holdId: claim.holdId ?? null,
      grantId: claim.grantId ?? null,
      reason: claim.reason ?? null,
      actorId: claim.actorId ?? null,
      idempotencyKey: claim.idempotencyKey,
      fingerprint,
      createdAt: claim.at,
    })
    .onConflictDoNothing({ target: ledgerTransactions.idempotencyKey })
    .returning({ id: ledgerTransactions.id });
  if (inserted) return { claimed: true, transactionId: inserted.id };
  const existing = await findTransactionByKey(tx, claim.idempotencyKey);
  if (!existing) throw new Error(`idempotency key ${claim.idempotencyKey} conflicted but is not visible`);
  assertSameRequest(existing, claim.kind, fingerprint);
  return { claimed: false, existing };
}

export async function findTransactionByKey(tx: Db, key: string): Promise<LedgerTransaction | undefined> {
  const [row] = await tx.select().from(ledgerTransactions).where(eq(ledgerTransactions.idempotencyKey, key));
  return row;
}

/** A stored transaction answers a replay only if it was the same operation with the same parameters. */
export function assertSameRequest(
  existing: LedgerTransaction,
  kind: LedgerTransactionKind,
  fingerprint: string,
): void {
  if (existing.kind !== kind || existing.fingerprint !== fingerprint) {
    throw new AppError('idempotency_mismatch', {
      detail: `idempotency key ${existing.idempotencyKey} was used for a different ${existing.kind} request`,
    });
  }
}

export interface EntryLine {
  accountId: string;
  bucket: LedgerBucket;
  amount: number;
}

/**
 * Records a transaction's entries. Zero lines are dropped (a full settle
 * releases nothing); lines that do not sum to zero are a programming error
 * and abort the whole database transaction.
 */
export async function writeEntries(
  tx: Db,
  transactionId: string,
  lines: readonly EntryLine[],
): Promise<void> {
  const nonZero = lines.filter((line) => line.amount !== 0);
  const sum = nonZero.reduce((total, line) => total + line.amount, 0);
  if (sum !== 0) throw new Error(`ledger transaction ${transactionId} does not balance (sum ${sum})`);
  if (nonZero.length === 0) return;
  await tx.insert(ledgerEntries).values(nonZero.map((line) => ({ transactionId, ...line })));
}
