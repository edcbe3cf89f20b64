/**
 * Helpers for credit-ledger tests: members to hold accounts, a fixed clock,
 * and an assertion on the ledger's typed errors.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { queryRows, type Db } from '../../src/server/db/client';
import { users } from '../../src/server/db/schema';
import { AppError, type ErrorCode } from '../../src/server/errors';

/** A fixed start for the injected clock, so expiry tests never depend on the wall clock. */
export const T0 = new Date('2027-03-01T12:00:00.000Z');

export const minutes = (n: number) => n * 60_000;
export const after = (ms: number, from: Date = T0) => new Date(from.getTime() + ms);

/** Inserts a user row (the ledger only needs the id) and returns its id. */
export async function createMember(db: Db): Promise<string> {
  const id = randomUUID();
  await db.insert(users).values({ id, name: 'Ledger member', email: `${id}@example.test` });
  return id;
}

/** Awaits `promise` and asserts it failed with an AppError of `code`; returns the error. */
export async function expectAppError(promise: Promise<unknown>, code: ErrorCode): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, `expected AppError ${code}`).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  return error as AppError;
}

/** Awaits `promise` and returns the database error it failed with (SQLSTATE found on the error or its cause). */
export async function expectDatabaseError(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string }> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error, 'expected a database error').toBeInstanceOf(Error);
  let current: unknown = error;
  while (current instanceof Error) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return { code, message: current.message };
    current = current.cause;
  }
  throw new Error(`no SQLSTATE on ${String(error)}`);
}

/** Row counts of the ledger tables, to prove that a replay or a refusal wrote nothing. */
export async function ledgerRowCounts(db: Db): Promise<Record<string, number>> {
  const [row] = await queryRows<Record<string, number>>(
    db,
    sql`select
      (select count(*) from ledger_transactions)::int as transactions,
      (select count(*) from ledger_entries)::int as entries,
      (select count(*) from credit_grants)::int as grants,
      (select count(*) from credit_holds)::int as holds,
      (select count(*) from credit_hold_allocations)::int as allocations,
      (select count(*) from credit_accounts)::int as accounts`,
  );
  return row!;
}

/** Runs the shared checker (L1–L3) and fails with its report when anything is off. */
export async function expectLedgerSound(db: Db): Promise<void> {
  const { checkLedger } = await import('../../src/server/credits/checker');
  const report = await checkLedger(db);
  const broken = Object.entries(report.violations).filter(([, v]) => v.count > 0);
  expect(report.failure).toBeUndefined();
  expect(broken).toEqual([]);
  expect(report.ok).toBe(true);
}
