/**
 * Runs a ledger operation in a transaction of its own, or as part of the
 * caller's when it is given one. No savepoint is taken in the second case
 * (two statements fewer on every generation's path): a failed operation
 * fails the caller's whole transaction, which is what every caller wants,
 * as the generation, its hold and its job commit together or not at all.
 * A caller that catches the error cannot carry on by mistake either: the
 * database refuses every later statement of an aborted transaction.
 */
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client';

/** A boolean, not a type guard: a transaction stays a `Db` to the operation. */
const isTransaction = (db: Db): boolean => db instanceof PgTransaction;

export function withinTransaction<T>(db: Db, operation: (tx: Db) => Promise<T>): Promise<T> {
  return isTransaction(db) ? operation(db) : db.transaction(operation);
}
