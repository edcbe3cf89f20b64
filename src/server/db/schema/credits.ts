/**
 * The credit ledger (decision 011): cached balances per account, an
 * append-only journal of double-entry transactions, the grants credits come
 * from and the holds that reserve them while a generation runs.
 *
 * Money-like rules live in the database, not only in code: balances carry
 * `CHECK (>= 0)`, a hold can have one resolving transaction, a payment one
 * grant, and triggers (migration `credit_ledger_append_only`) refuse UPDATE
 * and DELETE on the journal.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  check,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import { users } from './auth';
import { timestamps } from './columns';

/**
 * `user` accounts belong to members. The others are the far side of double
 * entry: `issued` is where granted credits come from, `spent`, `expired` and
 * `revoked` are where they go. System accounts keep no cached balance (see
 * decision 011: caching them would make every settle in the platform write
 * one shared row).
 */
export const creditAccountKinds = ['user', 'issued', 'spent', 'expired', 'revoked'] as const;
export type CreditAccountKind = (typeof creditAccountKinds)[number];

/** A cached balance is split into two buckets: spendable credits and credits reserved by open holds. */
export const ledgerBuckets = ['available', 'held'] as const;
export type LedgerBucket = (typeof ledgerBuckets)[number];

export const ledgerTransactionKinds = ['grant', 'hold', 'settle', 'void', 'expire', 'revoke'] as const;
export type LedgerTransactionKind = (typeof ledgerTransactionKinds)[number];

export const creditGrantKinds = ['starter', 'purchase', 'subscription', 'admin', 'refund'] as const;
export type CreditGrantKind = (typeof creditGrantKinds)[number];

export const creditHoldStatuses = ['open', 'settled', 'voided'] as const;
export type CreditHoldStatus = (typeof creditHoldStatuses)[number];

/** Why a hold was voided: the generation failed, was cancelled, or the sweeper found it past its timeout. */
export const holdVoidReasons = ['failure', 'cancel', 'expiry'] as const;
export type HoldVoidReason = (typeof holdVoidReasons)[number];

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const creditAccounts = pgTable(
  'credit_accounts',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    kind: text('kind', { enum: creditAccountKinds }).notNull().default('user'),
    /**
     * The member. Set to null when the user is deleted: the journal is
     * append-only and is kept (bookkeeping), so the account stays and only
     * loses its link to the person (decision 011).
     */
    userId: text('user_id')
      .unique()
      .references(() => users.id, { onDelete: 'set null' }),
    available: integer('available').notNull().default(0),
    held: integer('held').notNull().default(0),
    ...timestamps,
  },
  (t) => [
    check('credit_accounts_available_not_negative', sql`${t.available} >= 0`),
    check('credit_accounts_held_not_negative', sql`${t.held} >= 0`),
    check(
      'credit_accounts_system_uncached',
      sql`${t.kind} = 'user' or (${t.userId} is null and ${t.available} = 0 and ${t.held} = 0)`,
    ),
    // one row per system kind (code names them by fixed ids; a second "spent" would split the figures)
    uniqueIndex('credit_accounts_system_kind_idx')
      .on(t.kind)
      .where(sql`${t.kind} <> 'user'`),
  ],
);

/**
 * One ledger operation. Its entries sum to zero. The idempotency key is the
 * operation's claim: inserting it (`on conflict do nothing`) is what makes a
 * replay write nothing; the fingerprint tells a replay from a different
 * request reusing the key.
 */
export const ledgerTransactions = pgTable(
  'ledger_transactions',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    /** Commit-independent order for history pages (ids are random). */
    seq: bigint('seq', { mode: 'number' }).notNull().generatedAlwaysAsIdentity().unique(),
    kind: text('kind', { enum: ledgerTransactionKinds }).notNull(),
    /** The member account the operation is about (the other side is a system account). */
    accountId: uuid('account_id')
      .notNull()
      .references(() => creditAccounts.id),
    /** Headline figure: granted, held, settled, returned by a void, expired, or revoked. */
    amount: integer('amount').notNull(),
    /** Revoke only: the part of the requested amount that could not be taken (over-revoke policy). */
    unrecovered: integer('unrecovered').notNull().default(0),
    /** Settle and void: the hold they resolve. */
    holdId: uuid('hold_id').references((): AnyPgColumn => creditHolds.id),
    /** Expire: the grant whose remaining credits expired. */
    grantId: uuid('grant_id').references((): AnyPgColumn => creditGrants.id),
    reason: text('reason'),
    /**
     * Who did it (an admin, for grants and revokes by hand). No foreign key:
     * the audit trail must outlive the actor's account, and the journal
     * cannot be updated to null it.
     */
    actorId: text('actor_id'),
    idempotencyKey: text('idempotency_key').notNull().unique(),
    /** SHA-256 of the operation and its parameters, in a canonical form. */
    fingerprint: text('fingerprint').notNull(),
    createdAt: at('created_at').notNull(),
  },
  (t) => [
    check('ledger_transactions_amount_not_negative', sql`${t.amount} >= 0`),
    check('ledger_transactions_unrecovered_not_negative', sql`${t.unrecovered} >= 0`),
    check(
      'ledger_transactions_hold_link',
      sql`(${t.kind} in ('settle', 'void')) = (${t.holdId} is not null)`,
    ),
    // L3: a hold resolves at most once, whatever the code does.
    uniqueIndex('ledger_transactions_hold_resolution_idx')
      .on(t.holdId)
      .where(sql`${t.kind} in ('settle', 'void')`),
    // a member's history, newest first, paged by seq
    index('ledger_transactions_account_seq_idx').on(t.accountId, t.seq),
  ],
);

/** The double-entry lines of a transaction; amounts are signed and never zero. */
export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    transactionId: uuid('transaction_id')
      .notNull()
      .references(() => ledgerTransactions.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => creditAccounts.id),
    bucket: text('bucket', { enum: ledgerBuckets }).notNull(),
    amount: integer('amount').notNull(),
  },
  (t) => [
    check('ledger_entries_amount_not_zero', sql`${t.amount} <> 0`),
    // per-transaction sums (checker L2) and the history page's balance changes
    index('ledger_entries_transaction_idx').on(t.transactionId),
    // folding an account's entries per bucket (checker L1/L2)
    index('ledger_entries_account_bucket_idx').on(t.accountId, t.bucket),
  ],
);

/**
 * Where credits came from. `remaining` is the part still spendable, so the
 * sum of an account's remaining equals its available balance; credits on
 * open holds are recorded in `credit_hold_allocations` instead.
 */
export const creditGrants = pgTable(
  'credit_grants',
  {
    /** The id of the grant transaction that created it. */
    id: uuid('id')
      .primaryKey()
      .references((): AnyPgColumn => ledgerTransactions.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => creditAccounts.id),
    kind: text('kind', { enum: creditGrantKinds }).notNull(),
    amount: integer('amount').notNull(),
    remaining: integer('remaining').notNull(),
    /** Total moved to the expired account so far (a voided hold can return credits after an expiry). */
    expired: integer('expired').notNull().default(0),
    expiresAt: at('expires_at'),
    /** L5: the payment behind a grant (Checkout Session id, invoice id), credited once. */
    sourceRef: text('source_ref').unique(),
    reason: text('reason').notNull(),
    createdAt: at('created_at').notNull(),
    updatedAt: at('updated_at')
      .notNull()
      .defaultNow()
      .$onUpdate(() => new Date()),
  },
  (t) => [
    check('credit_grants_amount_positive', sql`${t.amount} > 0`),
    check('credit_grants_remaining_in_range', sql`${t.remaining} >= 0 and ${t.remaining} <= ${t.amount}`),
    check('credit_grants_expired_not_negative', sql`${t.expired} >= 0`),
    // spending order: soonest-expiring first (ascending puts grants that never expire last), then oldest
    index('credit_grants_spend_order_idx')
      .on(t.accountId, t.expiresAt, t.createdAt)
      .where(sql`${t.remaining} > 0`),
    // the expiry sweep: grants past their date that still have credits
    index('credit_grants_expiry_idx')
      .on(t.expiresAt)
      .where(sql`${t.remaining} > 0 and ${t.expiresAt} is not null`),
  ],
);

/** Credits reserved for one piece of work (a generation) until it settles or is voided. */
export const creditHolds = pgTable(
  'credit_holds',
  {
    /** The id of the hold transaction that placed it. */
    id: uuid('id')
      .primaryKey()
      .references((): AnyPgColumn => ledgerTransactions.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => creditAccounts.id),
    amount: integer('amount').notNull(),
    status: text('status', { enum: creditHoldStatuses }).notNull().default('open'),
    settledAmount: integer('settled_amount'),
    voidReason: text('void_reason', { enum: holdVoidReasons }),
    /** The hold timeout: past it the sweeper voids the hold. */
    expiresAt: at('expires_at').notNull(),
    /** What the credits are held for, e.g. the generation id. */
    reference: text('reference').notNull(),
    createdAt: at('created_at').notNull(),
    resolvedAt: at('resolved_at'),
  },
  (t) => [
    check('credit_holds_amount_positive', sql`${t.amount} > 0`),
    check(
      'credit_holds_resolution_shape',
      sql`(${t.status} = 'open' and ${t.resolvedAt} is null and ${t.settledAmount} is null and ${t.voidReason} is null)
        or (${t.status} = 'settled' and ${t.resolvedAt} is not null and ${t.settledAmount} between 1 and ${t.amount} and ${t.voidReason} is null)
        or (${t.status} = 'voided' and ${t.resolvedAt} is not null and ${t.settledAmount} is null and ${t.voidReason} is not null)`,
    ),
    // the sweeper: open holds past their timeout
    index('credit_holds_open_expiry_idx')
      .on(t.expiresAt)
      .where(sql`${t.status} = 'open'`),
    // the checker's per-account held figure, and "my open holds"
    index('credit_holds_account_status_idx').on(t.accountId, t.status),
    // the generation pipeline finds its hold by generation id
    index('credit_holds_reference_idx').on(t.reference),
  ],
);

/** Which grants a hold drew from, so a void or partial settle gives credits back to the same grants. */
export const creditHoldAllocations = pgTable(
  'credit_hold_allocations',
  {
    holdId: uuid('hold_id')
      .notNull()
      .references(() => creditHolds.id),
    grantId: uuid('grant_id')
      .notNull()
      .references(() => creditGrants.id),
    amount: integer('amount').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.holdId, t.grantId] }),
    check('credit_hold_allocations_amount_positive', sql`${t.amount} > 0`),
  ],
);

export type CreditAccount = typeof creditAccounts.$inferSelect;
export type LedgerTransaction = typeof ledgerTransactions.$inferSelect;
export type LedgerEntry = typeof ledgerEntries.$inferSelect;
export type CreditGrant = typeof creditGrants.$inferSelect;
export type CreditHold = typeof creditHolds.$inferSelect;
export type CreditHoldAllocation = typeof creditHoldAllocations.$inferSelect;
