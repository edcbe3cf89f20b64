/**
 * The reliability checker (reliability.md §2): the ledger invariants L1–L3
 * from the product's own checker, plus what only a test can judge:
 *
 * - L4 the journal is append-only: every row of ledger_transactions and
 *   ledger_entries keeps its MD5 between samples (new rows may appear);
 * - J1 each generation has exactly one hold and a job id, no hold lacks its
 *   generation, and no generation is unfinished past B (hold timeout + one
 *   sweep interval); optionally, every unfinished generation has a live job;
 * - J2 Σ settled = Σ charged of succeeded generations, Σ voided = Σ held of
 *   failed and canceled ones, each generation's hold agrees with its status,
 *   and no hold is settled twice;
 * - J3 no stored object under `generations/` without a row, and no row
 *   without its objects.
 *
 * Everything except J3 is read inside one REPEATABLE READ, read-only
 * transaction, so every sum comes from one snapshot. J3 lists the storage,
 * which no transaction covers: call it only when nothing is running (a job
 * stores its images before it commits their rows).
 *
 * It reports instead of throwing; `expectSound` turns a report into one
 * assertion that names every broken invariant.
 */
import { sql, type SQL } from 'drizzle-orm';
import { expect } from 'vitest';
import { scopeOf, type Scope } from './ledger-scope';
import { inspectLedger, type LedgerCheckReport } from '../../src/server/credits/checker';
import type { Config } from '../../src/server/config';
import { openDatabase, queryRows, type Database, type Db } from '../../src/server/db/client';
import type { ObjectStorage } from '../../src/server/storage/object-storage';

export const invariantNames = [
  /** L4: a journal row whose contents changed since the previous sample. */
  'journalRowChanged',
  /** L4: a journal row that was there at the previous sample and is gone. */
  'journalRowRemoved',
  /** J1: a generation whose hold is missing or was placed for something else. */
  'generationWithoutHold',
  /** J1: more than one hold placed for one generation. */
  'generationWithSeveralHolds',
  /** J1: a hold no generation points at (accepted without its generation, or a deleted generation). */
  'holdWithoutGeneration',
  /** J1: a generation with no pg-boss job id. */
  'generationWithoutJobId',
  /** J1: queued or running for longer than B = hold timeout + one sweep interval. */
  'generationPastBound',
  /** J1 (option `liveJobs`): an unfinished generation whose job is gone or finished. */
  'generationWithoutLiveJob',
  /** J2: a generation whose hold's state disagrees with its status (or charge). */
  'generationHoldMismatch',
  /** J2: Σ settled differs from Σ charged of succeeded generations. */
  'settledDiffersFromCharged',
  /** J2: Σ voided differs from Σ held of failed and canceled generations. */
  'voidedDiffersFromHeld',
  /** J2: a hold with more than one settle. */
  'holdSettledTwice',
  /** J3: a stored object under generations/ that no image row names. */
  'orphanedObject',
  /** J3: an image row whose object (original or thumbnail) is not stored. */
  'missingObject',
] as const;
export type InvariantName = (typeof invariantNames)[number];

export interface Violation {
  count: number;
  /** Up to five ids (or a description of a sum) to start looking from. */
  sample: string[];
}

/** MD5 of every journal row in scope, by table and id: what L4 compares between samples. */
export interface JournalHashes {
  transactions: Map<string, string>;
  entries: Map<string, string>;
}

export interface CheckOptions {
  /** The injected clock's now: J1's bound and L3's stale holds are measured from it. */
  now: Date;
  /** Hold timeout and sweep interval, for B. */
  config: Pick<Config, 'generation'>;
  /** Only these members' accounts, holds and generations (J3 always looks at the whole bucket). */
  userIds?: readonly string[];
  /** L4: the previous sample's journal hashes. */
  previous?: JournalHashes;
  /** J1: also require a live pg-boss job (created, retry or active) for every unfinished generation. */
  liveJobs?: boolean;
  /** J3: list this storage. Only when nothing is running. */
  storage?: ObjectStorage;
  /** J1: resolved holds of deleted generations are expected (the test deleted generations). */
  generationsMayBeDeleted?: boolean;
}

export interface GenerationFigures {
  byStatus: Record<string, number>;
  settled: number;
  charged: number;
  voided: number;
  heldOfFailed: number;
  openHolds: number;
  storedObjects?: number;
}

export interface InvariantReport {
  ok: boolean;
  /** Set when the check itself could not run. */
  failure?: string;
  ledger: LedgerCheckReport | null;
  violations: Record<InvariantName, Violation>;
  figures: GenerationFigures | null;
  /** Pass as `previous` to the next sample. */
  journal: JournalHashes | null;
}

const SAMPLE_SIZE = 5;

function noViolations(): Record<InvariantName, Violation> {
  return Object.fromEntries(
    invariantNames.map((name) => [name, { count: 0, sample: [] }]),
  ) as unknown as Record<InvariantName, Violation>;
}

export async function checkInvariants(db: Db, options: CheckOptions): Promise<InvariantReport> {
  const violations = noViolations();
  try {
    const inSnapshot = await db.transaction(
      async (tx) => {
        const scope = scopeOf(options.userIds);
        const accountIds = options.userIds
          ? (
              await queryRows<{ id: string }>(
                tx,
                sql`select id::text as id from credit_accounts where ${scope.users(sql`user_id`)}`,
              )
            ).map((row) => row.id)
          : undefined;
        const ledger = await inspectLedger(tx, {
          ...(accountIds ? { accountIds } : {}),
          // L3: a hold may stay open one sweep interval past its timeout, no longer.
          openHoldsExpiredBefore: new Date(
            options.now.getTime() - options.config.generation.sweepIntervalSeconds * 1000,
          ),
        });
        const journal = await readJournalHashes(tx, scope);
        if (options.previous) compareJournals(options.previous, journal, violations);
        for (const [name, query] of Object.entries(generationProbes(scope, options))) {
          const rows = await queryRows<{ id: string; total: number }>(
            tx,
            sql`select id::text as id, count(*) over ()::int as total from (${query}) v limit ${SAMPLE_SIZE}`,
          );
          violations[name as InvariantName] = {
            count: Number(rows[0]?.total ?? 0),
            sample: rows.map((row) => row.id),
          };
        }
        const figures = await readFigures(tx, scope);
        if (figures.settled !== figures.charged) {
          violations.settledDiffersFromCharged = {
            count: 1,
            sample: [`settled ${figures.settled}, charged ${figures.charged}`],
          };
        }
        if (figures.voided !== figures.heldOfFailed) {
          violations.voidedDiffersFromHeld = {
            count: 1,
            sample: [`voided ${figures.voided}, held by failed or canceled ${figures.heldOfFailed}`],
          };
        }
        return { ledger, journal, figures };
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
    if (options.storage) {
      inSnapshot.figures.storedObjects = await checkStoredObjects(db, options.storage, violations);
    }
    const ok = inSnapshot.ledger.ok && Object.values(violations).every((v) => v.count === 0);
    return { ok, violations, ...inSnapshot };
  } catch (error) {
    return {
      ok: false,
      failure: error instanceof Error ? error.message : String(error),
      ledger: null,
      violations,
      figures: null,
      journal: null,
    };
  }
}

async function readJournalHashes(tx: Db, scope: Scope): Promise<JournalHashes> {
  const transactions = await queryRows<{ id: string; hash: string }>(
    tx,
    sql`select t.id::text as id, md5(t::text) as hash from ledger_transactions t
      where ${scope.accounts(sql`t.account_id`)}`,
  );
  const entries = await queryRows<{ id: string; hash: string }>(
    tx,
    sql`select e.id::text as id, md5(e::text) as hash from ledger_entries e
      join ledger_transactions t on t.id = e.transaction_id
      where ${scope.accounts(sql`t.account_id`)}`,
  );
  return {
    transactions: new Map(transactions.map((row) => [row.id, row.hash])),
    entries: new Map(entries.map((row) => [row.id, row.hash])),
  };
}

function compareJournals(
  previous: JournalHashes,
  current: JournalHashes,
  violations: Record<InvariantName, Violation>,
) {
  for (const table of ['transactions', 'entries'] as const) {
    for (const [id, hash] of previous[table]) {
      const now = current[table].get(id);
      const name = now === undefined ? 'journalRowRemoved' : now !== hash ? 'journalRowChanged' : undefined;
      if (!name) continue;
      violations[name].count++;
      if (violations[name].sample.length < SAMPLE_SIZE) violations[name].sample.push(`${table}:${id}`);
    }
  }
}

function generationProbes(scope: Scope, options: CheckOptions): Partial<Record<InvariantName, SQL>> {
  const { holdTimeoutSeconds, sweepIntervalSeconds } = options.config.generation;
  const bound = new Date(options.now.getTime() - (holdTimeoutSeconds + sweepIntervalSeconds) * 1000);
  const mine = scope.users(sql`g.user_id`);
  return {
    generationWithoutHold: sql`
      select g.id from generations g left join credit_holds h on h.id = g.hold_id
      where ${mine} and (h.id is null or h.reference <> g.id::text)`,
    generationWithSeveralHolds: sql`
      select h.reference as id from credit_holds h
      where ${scope.accounts(sql`h.account_id`)}
      group by h.reference having count(*) > 1`,
    holdWithoutGeneration: sql`
      select h.id from credit_holds h
      where ${scope.accounts(sql`h.account_id`)}
        and ${options.generationsMayBeDeleted ? sql`h.status = 'open'` : sql`true`}
        and not exists (select 1 from generations g where g.hold_id = h.id)`,
    generationWithoutJobId: sql`select g.id from generations g where ${mine} and g.job_id is null`,
    generationPastBound: sql`
      select g.id from generations g
      where ${mine} and g.status in ('queued', 'running')
        and g.created_at < ${bound.toISOString()}::timestamptz`,
    ...(options.liveJobs
      ? {
          generationWithoutLiveJob: sql`
            select g.id from generations g
            where ${mine} and g.status in ('queued', 'running') and not exists (
              select 1 from pgboss.job j
              where j.id::text = g.job_id and j.state in ('created', 'retry', 'active'))`,
        }
      : {}),
    generationHoldMismatch: sql`
      select g.id from generations g join credit_holds h on h.id = g.hold_id
      where ${mine} and not (
        (g.status in ('queued', 'running') and h.status = 'open')
        or (g.status = 'succeeded' and h.status = 'settled' and h.settled_amount = g.charged)
        or (g.status in ('failed', 'canceled') and h.status = 'voided'))`,
    holdSettledTwice: sql`
      select t.hold_id as id from ledger_transactions t
      where t.kind = 'settle' and ${scope.accounts(sql`t.account_id`)}
      group by t.hold_id having count(*) > 1`,
  };
}

async function readFigures(tx: Db, scope: Scope): Promise<GenerationFigures> {
  const mine = scope.users(sql`g.user_id`);
  const statuses = await queryRows<{ status: string; n: number }>(
    tx,
    sql`select g.status, count(*)::int as n from generations g where ${mine} group by g.status`,
  );
  // float8: sums of integers come back as strings from node-postgres; doubles are exact here.
  const [sums] = await queryRows<Record<string, number>>(
    tx,
    sql`select
      (select coalesce(sum(t.amount), 0) from ledger_transactions t
        join generations g on g.hold_id = t.hold_id where t.kind = 'settle' and ${mine})::float8 as settled,
      (select coalesce(sum(g.charged), 0) from generations g
        where g.status = 'succeeded' and ${mine})::float8 as charged,
      (select coalesce(sum(t.amount), 0) from ledger_transactions t
        join generations g on g.hold_id = t.hold_id where t.kind = 'void' and ${mine})::float8 as voided,
      (select coalesce(sum(g.cost), 0) from generations g
        where g.status in ('failed', 'canceled') and ${mine})::float8 as held_of_failed,
      (select count(*) from credit_holds h
        where h.status = 'open' and ${scope.accounts(sql`h.account_id`)})::float8 as open_holds`,
  );
  return {
    byStatus: Object.fromEntries(statuses.map((row) => [row.status, Number(row.n)])),
    settled: Number(sums?.settled ?? 0),
    charged: Number(sums?.charged ?? 0),
    voided: Number(sums?.voided ?? 0),
    heldOfFailed: Number(sums?.held_of_failed ?? 0),
    openHolds: Number(sums?.open_holds ?? 0),
  };
}

/** J3 over the whole bucket: listed first, rows read after (a row never names an object stored later). */
async function checkStoredObjects(
  db: Db,
  storage: ObjectStorage,
  violations: Record<InvariantName, Violation>,
): Promise<number> {
  const listed = new Set<string>();
  for await (const entry of storage.list('generations/')) listed.add(entry.key);
  // thumb_key is null until the thumbnail, which follows the success, is stored: it names nothing yet.
  const rows = await queryRows<{ object_key: string; thumb_key: string | null }>(
    db,
    sql`select object_key, thumb_key from generation_images`,
  );
  const named = new Set(
    rows.flatMap((row) => (row.thumb_key ? [row.object_key, row.thumb_key] : [row.object_key])),
  );
  const note = (name: InvariantName, key: string) => {
    violations[name].count++;
    if (violations[name].sample.length < SAMPLE_SIZE) violations[name].sample.push(key);
  };
  for (const key of listed) if (!named.has(key)) note('orphanedObject', key);
  for (const key of named) if (!listed.has(key)) note('missingObject', key);
  return listed.size;
}

/** One assertion naming every broken invariant (and the check's own failure). */
export function expectSound(report: InvariantReport, context = ''): void {
  const broken = [
    ...Object.entries(report.ledger?.violations ?? {}),
    ...Object.entries(report.violations),
  ].filter(([, violation]) => violation.count > 0);
  expect({ failure: report.failure, broken }, context).toEqual({ failure: undefined, broken: [] });
  expect(report.ok).toBe(true);
}

/**
 * A second connection for the checker on PostgreSQL, so samples do not queue
 * behind the app's small pool; on PGlite (one process, one connection) the
 * app's own database. Read-only transactions keep it from writing.
 */
export async function openObserver(database: Database): Promise<{ db: Db; close(): Promise<void> }> {
  if (database.driver === 'pglite') return { db: database.db, close: async () => {} };
  const observer = await openDatabase({ driver: 'postgres', url: database.url!, poolSize: 2 });
  return { db: observer.db, close: () => observer.close() };
}

export { startL1Sampler, type SamplerResult } from './l1-sampler';
