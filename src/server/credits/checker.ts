/**
 * The ledger checker (reliability invariants L1–L3, and the figures L4
 * compares between samples). Tests run it after and during load; it reads
 * everything in one REPEATABLE READ, read-only transaction so all sums come
 * from one snapshot, and it reports instead of throwing, so a sampler can
 * keep going and print every problem at the end.
 *
 * Pass the database itself, not an open transaction: the snapshot needs a
 * transaction of its own. `inspectLedger` runs the same checks inside a
 * snapshot the caller opened, for checkers that read more than the ledger
 * (tests/support/checker.ts).
 */
import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client';
import { systemAccounts } from './system-accounts';

export interface CheckLedgerOptions {
  /** Only these member accounts (a test's own accounts); platform totals are then left out. */
  accountIds?: readonly string[];
  /** L3: open holds whose timeout is before this are counted as stale (pass now − one sweep interval). */
  openHoldsExpiredBefore?: Date;
}

export const ledgerViolationNames = [
  /** L1: a cached balance below zero (the CHECK constraints should make this impossible). */
  'negativeCachedBalance',
  /** L1: a bucket whose recomputation from entries is below zero. */
  'negativeFold',
  /** L2: a transaction whose entries do not sum to zero. */
  'unbalancedTransaction',
  /** L2: a cached balance that differs from the fold of its entries. */
  'cacheDiffersFromFold',
  /** The available balance differs from the credits remaining on the account's grants. */
  'grantsDifferFromAvailable',
  /** The held balance differs from the open holds, or a hold's allocations differ from its amount. */
  'holdsDifferFromHeld',
  /** L3: a hold with more than one resolving transaction. */
  'holdResolvedTwice',
  /** L3: a hold whose status disagrees with its resolving transaction (or amount). */
  'holdStateMismatch',
  /** L3: an open hold past its timeout and the given bound. */
  'staleOpenHold',
] as const;
export type LedgerViolationName = (typeof ledgerViolationNames)[number];

export interface LedgerViolation {
  count: number;
  /** Up to five ids (account, transaction or hold) to start looking from. */
  sample: string[];
}

export interface LedgerFigures {
  accounts: number;
  transactions: number;
  entries: number;
  openHolds: number;
  available: number;
  held: number;
  /** Platform totals from the system accounts (absent when scoped to accounts). */
  issued?: number;
  spent?: number;
  expired?: number;
  revoked?: number;
  /** MD5 over every entry of the scope in id order: equal between samples unless entries were only appended (L4). */
  entriesDigest: string;
}

export interface LedgerCheckReport {
  ok: boolean;
  /** Set when the check itself could not run (then ok is false). */
  failure?: string;
  violations: Record<LedgerViolationName, LedgerViolation>;
  figures: LedgerFigures | null;
}

interface ViolationRow {
  id: string;
  total: number;
}

const SAMPLE_SIZE = 5;

export async function checkLedger(db: Db, options: CheckLedgerOptions = {}): Promise<LedgerCheckReport> {
  try {
    return await db.transaction((tx) => inspectLedger(tx, options), {
      isolationLevel: 'repeatable read',
      accessMode: 'read only',
    });
  } catch (error) {
    return {
      ok: false,
      failure: error instanceof Error ? error.message : String(error),
      violations: noViolations(),
      figures: null,
    };
  }
}

/**
 * The same checks inside a transaction the caller opened (REPEATABLE READ,
 * read only), so a test's own invariants can be read from the same snapshot.
 * Throws when a query fails.
 */
export async function inspectLedger(tx: Db, options: CheckLedgerOptions = {}): Promise<LedgerCheckReport> {
  const violations = noViolations();
  const scope = accountScope(options.accountIds);
  const probes = violationQueries(scope, options.openHoldsExpiredBefore);
  for (const name of ledgerViolationNames) {
    const query = probes[name];
    if (!query) continue;
    const rows = await queryRows<ViolationRow>(
      tx,
      sql`select id::text as id, count(*) over ()::int as total from (${query}) v limit ${SAMPLE_SIZE}`,
    );
    violations[name] = { count: Number(rows[0]?.total ?? 0), sample: rows.map((row) => row.id) };
  }
  const figures = await readFigures(tx, scope, options.accountIds !== undefined);
  const ok = Object.values(violations).every((violation) => violation.count === 0);
  return { ok, violations, figures };
}

function noViolations(): Record<LedgerViolationName, LedgerViolation> {
  return Object.fromEntries(
    ledgerViolationNames.map((name) => [name, { count: 0, sample: [] }]),
  ) as unknown as Record<LedgerViolationName, LedgerViolation>;
}

/** A SQL condition on a member account id column, for the optional scope. */
type Scope = (column: SQL) => SQL;

function accountScope(accountIds: readonly string[] | undefined): Scope {
  if (accountIds === undefined) return () => sql`true`;
  if (accountIds.length === 0) return () => sql`false`;
  const list = sql.join(
    accountIds.map((id) => sql`${id}::uuid`),
    sql`, `,
  );
  return (column) => sql`${column} in (${list})`;
}

function violationQueries(
  inScope: Scope,
  openHoldsExpiredBefore: Date | undefined,
): Partial<Record<LedgerViolationName, SQL>> {
  const folds = sql`
    select a.id, a.available, a.held,
      coalesce(sum(e.amount) filter (where e.bucket = 'available'), 0) as fold_available,
      coalesce(sum(e.amount) filter (where e.bucket = 'held'), 0) as fold_held
    from credit_accounts a
    left join ledger_entries e on e.account_id = a.id
    where a.kind = 'user' and ${inScope(sql`a.id`)}
    group by a.id`;
  return {
    negativeCachedBalance: sql`
      select id from credit_accounts
      where kind = 'user' and (available < 0 or held < 0) and ${inScope(sql`id`)}`,
    negativeFold: sql`select id from (${folds}) f where fold_available < 0 or fold_held < 0`,
    unbalancedTransaction: sql`
      select t.id from ledger_transactions t
      left join ledger_entries e on e.transaction_id = t.id
      where ${inScope(sql`t.account_id`)}
      group by t.id having coalesce(sum(e.amount), 0) <> 0`,
    cacheDiffersFromFold: sql`
      select id from (${folds}) f where fold_available <> available or fold_held <> held`,
    grantsDifferFromAvailable: sql`
      select a.id from credit_accounts a
      left join credit_grants g on g.account_id = a.id
      where a.kind = 'user' and ${inScope(sql`a.id`)}
      group by a.id having a.available <> coalesce(sum(g.remaining), 0)`,
    holdsDifferFromHeld: sql`
      select a.id from credit_accounts a
      left join credit_holds h on h.account_id = a.id and h.status = 'open'
      where a.kind = 'user' and ${inScope(sql`a.id`)}
      group by a.id having a.held <> coalesce(sum(h.amount), 0)
      union all
      select h.id from credit_holds h
      left join credit_hold_allocations x on x.hold_id = h.id
      where ${inScope(sql`h.account_id`)}
      group by h.id having h.amount <> coalesce(sum(x.amount), 0)`,
    holdResolvedTwice: sql`
      select t.hold_id as id from ledger_transactions t
      where t.kind in ('settle', 'void') and ${inScope(sql`t.account_id`)}
      group by t.hold_id having count(*) > 1`,
    // "is not true": a missing resolving transaction makes the comparisons null, which must count as a mismatch
    holdStateMismatch: sql`
      select h.id from credit_holds h
      left join ledger_transactions t on t.hold_id = h.id and t.kind in ('settle', 'void')
      where ${inScope(sql`h.account_id`)} and (
        (h.status = 'open' and t.id is null)
        or (h.status = 'settled' and t.kind = 'settle' and t.amount = h.settled_amount)
        or (h.status = 'voided' and t.kind = 'void' and t.amount = h.amount)
      ) is not true`,
    ...(openHoldsExpiredBefore
      ? {
          staleOpenHold: sql`
            select id from credit_holds
            where status = 'open' and expires_at < ${openHoldsExpiredBefore.toISOString()}::timestamptz and ${inScope(sql`account_id`)}`,
        }
      : {}),
  };
}

async function readFigures(tx: Db, inScope: Scope, scoped: boolean): Promise<LedgerFigures> {
  // float8: sums of bigint come back as strings from node-postgres; doubles are exact far beyond any balance.
  const [counts] = await queryRows<Record<string, number>>(
    tx,
    sql`select
      (select count(*) from credit_accounts where kind = 'user' and ${inScope(sql`id`)})::float8 as accounts,
      (select count(*) from ledger_transactions where ${inScope(sql`account_id`)})::float8 as transactions,
      (select count(*) from ledger_entries e join ledger_transactions t on t.id = e.transaction_id
        where ${inScope(sql`t.account_id`)})::float8 as entries,
      (select count(*) from credit_holds where status = 'open' and ${inScope(sql`account_id`)})::float8 as open_holds,
      (select coalesce(sum(available), 0) from credit_accounts where kind = 'user' and ${inScope(sql`id`)})::float8 as available,
      (select coalesce(sum(held), 0) from credit_accounts where kind = 'user' and ${inScope(sql`id`)})::float8 as held`,
  );
  const [digest] = await queryRows<{ digest: string | null }>(
    tx,
    sql`select md5(string_agg(concat_ws(':', e.id, e.transaction_id, e.account_id, e.bucket, e.amount), ',' order by e.id)) as digest
      from ledger_entries e join ledger_transactions t on t.id = e.transaction_id
      where ${inScope(sql`t.account_id`)}`,
  );
  const figures: LedgerFigures = {
    accounts: Number(counts?.accounts ?? 0),
    transactions: Number(counts?.transactions ?? 0),
    entries: Number(counts?.entries ?? 0),
    openHolds: Number(counts?.open_holds ?? 0),
    available: Number(counts?.available ?? 0),
    held: Number(counts?.held ?? 0),
    entriesDigest: digest?.digest ?? '',
  };
  if (!scoped) {
    const system = await queryRows<{ id: string; fold: number }>(
      tx,
      sql`select account_id::text as id, sum(amount)::float8 as fold from ledger_entries
        where account_id in (${systemAccounts.issued}::uuid, ${systemAccounts.spent}::uuid,
          ${systemAccounts.expired}::uuid, ${systemAccounts.revoked}::uuid)
        group by account_id`,
    );
    const fold = (id: string) => Number(system.find((row) => row.id === id)?.fold ?? 0);
    figures.issued = -fold(systemAccounts.issued);
    figures.spent = fold(systemAccounts.spent);
    figures.expired = fold(systemAccounts.expired);
    figures.revoked = fold(systemAccounts.revoked);
  }
  return figures;
}
