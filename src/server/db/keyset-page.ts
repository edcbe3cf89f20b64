/**
 * Paging a member's list newest first by keyset, not offset: a cursor names
 * the last row of a page by its creation time and id (ties broken by id),
 * so rows added or deleted between two requests neither repeat nor vanish.
 * Shared by the generations and uploads lists; a cursor that does not
 * decode is a validation error on the `cursor` field. Also the UUID check
 * those lists and their routes use on ids from the URL.
 */
import { and, eq, lt, or, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { AppError } from '../errors';

export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

export interface PageKey {
  createdAt: Date;
  id: string;
}

export function encodeCursor(key: PageKey): string {
  return Buffer.from(`${key.createdAt.toISOString()}|${key.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): PageKey {
  const [time, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(time ?? '');
  if (Number.isNaN(createdAt.getTime()) || !id || !isUuid(id)) {
    throw new AppError('validation_failed', {
      fields: [{ field: 'cursor', message: 'validation.invalidValue' }],
    });
  }
  return { createdAt, id };
}

/** The rows after `after` in newest-first order; no condition on the first page. */
export function olderThan(
  columns: { createdAt: PgColumn; id: PgColumn },
  after: PageKey | undefined,
): SQL | undefined {
  if (!after) return undefined;
  return or(
    lt(columns.createdAt, after.createdAt),
    and(eq(columns.createdAt, after.createdAt), lt(columns.id, after.id)),
  );
}

/**
 * Splits the `limit + 1` rows a query fetched into the page and the cursor
 * of the next one (null when this page is the last).
 */
export function takePage<Row>(
  rows: readonly Row[],
  limit: number,
  keyOf: (row: Row) => PageKey,
): { page: Row[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}
