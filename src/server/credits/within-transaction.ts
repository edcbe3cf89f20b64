/**
 * Runs a ledger operation in a transaction of its own, or as part of the
 * caller's when it is given one. No savepoint is taken in the second case
 * (two statements fewer on every generation's path), so an operation run
 * this way must leave the caller's transaction either untouched or failed:
 * a refusal (not enough credits, a hold already resolved, a key used by
 * another request) writes nothing, and an inconsistency found after writing
 * aborts the transaction at the database (hold-statements.ts), so nothing
 * of it can commit even when the caller catches the error.
 */
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client';

/** A boolean, not a type guard: a transaction stays a `Db` to the operation. */
const isTransaction = (db: Db): boolean => db instanceof PgTransaction;

export function withinTransaction<T>(db: Db, operation: (tx: Db) => Promise<T>): Promise<T> {
  return isTransaction(db) ? operation(db) : db.transaction(operation);
}
