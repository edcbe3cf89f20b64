/**
 * Placing and resolving a hold each write to six tables. Done one statement
 * at a time that was ten round trips, on the path of every generation twice
 * (about 5 ms each with PGlite, which runs statements one after another).
 * Here each is one statement whose parts are data-modifying CTEs, run after
 * the account lock was taken by a statement of its own.
 *
 * Why the lock stays separate: a statement reads from one snapshot, taken
 * when it starts. Had it also taken the lock, a statement that waited for
 * the lock would go on reading the account's grants, holds and allocations
 * as they were before the transaction it waited for committed. Locked first,
 * in its own statement, everything the next statement reads is current, and
 * nothing else changes those rows until commit (account-lock.ts).
 *
 * Every part runs whether or not a result refers to it, and the parts see
 * the snapshot, not each other's writes: each part that must not run when
 * an earlier one did nothing (a key already claimed, not enough credits, a
 * hold no longer open) is joined to that part's RETURNING rows. A refusal
 * (not enough credits, a key already taken) writes nothing at all, so a
 * caller may catch it and go on with its transaction. The callers read the
 * counts back; when a part did not do what it must (only a corrupt ledger
 * gets there), abortTransaction makes the database refuse the rest of the
 * transaction, so nothing of it can commit even if the error is caught.
 * Spending order and the split of a partial settle are the ones of
 * grant-spending.ts, in SQL.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client';
import type { HoldVoidReason } from '../db/schema';
import { spendOrder } from './grant-spending';
import { systemAccounts } from './system-accounts';

/** grant-spending.ts's order (soonest-expiring first), over `credit_grants` under its own name. */
const spendingOrder = sql.join(spendOrder, sql`, `);

export interface PlaceHoldStatement {
  accountId: string;
  amount: number;
  idempotencyKey: string;
  fingerprint: string;
  expiresAt: Date;
  reference: string;
  at: Date;
}

export interface PlacedHold {
  /**
   * The new hold's id; null when nothing was written: the account has too few
   * credits, or the key was claimed before (a replay, or another request).
   */
  holdId: string | null;
  /** 1 when the credits moved from available to held. */
  moved: number;
  /** Credits taken from grants; equals the amount unless the ledger is corrupt. */
  allocated: number;
}

/**
 * When the account has the credits: claims the key, moves them to held,
 * records the hold, takes the credits from the grants in spending order
 * with one allocation per grant, and writes the two entries.
 */
export async function placeHoldStatement(tx: Db, hold: PlaceHoldStatement): Promise<PlacedHold> {
  const { accountId, amount } = hold;
  const [row] = await queryRows<PlacedHold>(
    tx,
    sql`
      with claim as (
        insert into ledger_transactions (kind, account_id, amount, idempotency_key, fingerprint, created_at)
        select 'hold', id, ${amount}, ${hold.idempotencyKey}, ${hold.fingerprint}, ${hold.at.toISOString()}::timestamptz
        from credit_accounts where id = ${accountId} and available >= ${amount}
        on conflict (idempotency_key) do nothing
        returning id
      ), moved as (
        update credit_accounts set available = available - ${amount}, held = held + ${amount}
        where id = ${accountId} and available >= ${amount} and exists (select 1 from claim)
        returning id
      ), placed as (
        insert into credit_holds (id, account_id, amount, expires_at, reference, created_at)
        select claim.id, ${accountId}, ${amount}, ${hold.expiresAt.toISOString()}::timestamptz, ${hold.reference}, ${hold.at.toISOString()}::timestamptz
        from claim, moved
        returning id
      ), ordered as (
        select credit_grants.id, credit_grants.remaining,
          coalesce(sum(credit_grants.remaining) over (order by ${spendingOrder} rows between unbounded preceding and 1 preceding), 0) as before
        from credit_grants
        where credit_grants.account_id = ${accountId} and credit_grants.remaining > 0 and exists (select 1 from moved)
      ), taken as (
        update credit_grants g set remaining = g.remaining - least(o.remaining, ${amount} - o.before), updated_at = now()
        from ordered o
        where g.id = o.id and o.before < ${amount}
        returning g.id as grant_id, least(o.remaining, ${amount} - o.before) as amount
      ), allocated as (
        insert into credit_hold_allocations (hold_id, grant_id, amount)
        select placed.id, taken.grant_id, taken.amount from placed, taken
        returning amount
      ), entries as (
        insert into ledger_entries (transaction_id, account_id, bucket, amount)
        select placed.id, ${accountId}, line.bucket, line.amount
        from placed, (values ('available', ${-amount}::integer), ('held', ${amount}::integer)) as line (bucket, amount)
        returning id
      )
      select (select id from claim) as "holdId",
        (select count(*) from moved)::integer as "moved",
        (select coalesce(sum(amount), 0) from allocated)::integer as "allocated"
    `,
  );
  if (!row) throw new Error('the hold statement returned no row');
  return row;
}

export interface ResolveHoldStatement {
  holdId: string;
  accountId: string;
  /** The hold's full amount. */
  holdAmount: number;
  kind: 'settle' | 'void';
  /** Charged: 1 to holdAmount for a settle, 0 for a void. */
  settled: number;
  reason: HoldVoidReason | null;
  idempotencyKey: string;
  fingerprint: string;
  at: Date;
}

export interface ResolvedHold {
  /** The resolving transaction's id; null when the key was claimed before (nothing was written). */
  transactionId: string | null;
  /** 1 when the hold went from open to settled or voided. */
  resolved: number;
  /** 1 when the account's held and available balances changed. */
  moved: number;
  /** Credits given back to grants; equals holdAmount − settled unless the ledger is corrupt. */
  returned: number;
}

/**
 * Claims the key, closes the hold, gives the unspent part back to the grants
 * it came from (the spent part is taken from the soonest-expiring ones),
 * releases the held credits and writes the entries: held −amount, available
 * +released, the spent account +settled (zero lines left out).
 */
export async function resolveHoldStatement(tx: Db, hold: ResolveHoldStatement): Promise<ResolvedHold> {
  const { holdId, accountId, holdAmount, settled } = hold;
  const released = holdAmount - settled;
  const at = hold.at.toISOString();
  const [row] = await queryRows<ResolvedHold>(
    tx,
    sql`
      with claim as (
        insert into ledger_transactions (kind, account_id, amount, hold_id, reason, idempotency_key, fingerprint, created_at)
        values (${hold.kind}, ${accountId}, ${hold.kind === 'settle' ? settled : released}, ${holdId}, ${hold.reason},
          ${hold.idempotencyKey}, ${hold.fingerprint}, ${at}::timestamptz)
        on conflict (idempotency_key) do nothing
        returning id
      ), resolved as (
        update credit_holds
        set status = ${hold.kind === 'settle' ? 'settled' : 'voided'},
          settled_amount = ${hold.kind === 'settle' ? settled : null}::integer,
          void_reason = ${hold.reason}, resolved_at = ${at}::timestamptz
        where id = ${holdId} and status = 'open' and exists (select 1 from claim)
        returning id
      ), allocations as (
        select a.grant_id, a.amount,
          coalesce(sum(a.amount) over (order by ${spendingOrder} rows between unbounded preceding and 1 preceding), 0) as before
        from credit_hold_allocations a
        join credit_grants on credit_grants.id = a.grant_id
        where a.hold_id = ${holdId} and exists (select 1 from resolved)
      ), returned as (
        update credit_grants g set remaining = g.remaining + back.amount, updated_at = now()
        from (
          select grant_id, amount - greatest(0, least(amount, ${settled} - before)) as amount from allocations
        ) back
        where g.id = back.grant_id and back.amount > 0
        returning back.amount
      ), moved as (
        update credit_accounts set held = held - ${holdAmount}, available = available + ${released}
        where id = ${accountId} and held >= ${holdAmount} and exists (select 1 from resolved)
        returning id
      ), entries as (
        insert into ledger_entries (transaction_id, account_id, bucket, amount)
        select claim.id, line.account_id, line.bucket, line.amount
        from claim, moved, (values
          (${accountId}::uuid, 'held', ${-holdAmount}::integer),
          (${accountId}::uuid, 'available', ${released}::integer),
          (${systemAccounts.spent}::uuid, 'available', ${settled}::integer)
        ) as line (account_id, bucket, amount)
        where line.amount <> 0
        returning id
      )
      select (select id from claim) as "transactionId",
        (select count(*) from resolved)::integer as "resolved",
        (select count(*) from moved)::integer as "moved",
        (select coalesce(sum(amount), 0) from returned)::integer as "returned"
    `,
  );
  if (!row) throw new Error('the resolve statement returned no row');
  return row;
}

/**
 * Puts the transaction into the failed state (a database error, not only a
 * JavaScript one), then throws `error`: the writes made so far can never
 * commit, whoever catches the error.
 */
export async function abortTransaction(tx: Db, error: Error): Promise<never> {
  try {
    await tx.execute(sql.raw(`do $$ begin raise exception 'credit ledger inconsistency'; end $$`));
  } catch {
    // The expected outcome: the transaction is now aborted.
  }
  throw error;
}
