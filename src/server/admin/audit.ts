/**
 * Writing and reading the admin audit log (db/schema/audit.ts). Every admin
 * change is written in the same transaction as the change itself, so the
 * log cannot miss one that happened nor record one that did not.
 */
import { desc } from 'drizzle-orm';
import type { Db } from '../db/client';
import { olderThan, type PageKey } from '../db/keyset-page';
import { AppError } from '../errors';
import { auditLog, type AuditLogRow } from '../db/schema';

export interface AuditActor {
  id: string;
  email: string;
  ip?: string | undefined;
}

export interface AuditEntry {
  action: string;
  targetType: 'provider' | 'model' | 'user';
  targetId: string;
  /** Plain values only: never a key or any other secret. */
  details?: Record<string, unknown>;
}

export async function recordAudit(db: Db, actor: AuditActor, entry: AuditEntry, at: Date): Promise<void> {
  await db.insert(auditLog).values({
    actorId: actor.id,
    actorEmail: actor.email,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    details: entry.details ?? {},
    ip: actor.ip ?? null,
    createdAt: at,
  });
}

export interface AuditPage {
  items: (Omit<AuditLogRow, 'createdAt'> & { createdAt: string })[];
  nextCursor: string | null;
}

/** Newest first; the cursor is the last item's time and id. */
export async function listAudit(
  db: Db,
  options: { limit: number; cursor?: string | undefined },
): Promise<AuditPage> {
  const after = decodeCursor(options.cursor);
  const rows = await db
    .select()
    .from(auditLog)
    .where(olderThan(auditLog, after))
    .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
    .limit(options.limit + 1);
  const items = rows.slice(0, options.limit);
  const last = items.at(-1);
  return {
    items: items.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() })),
    nextCursor: rows.length > options.limit && last ? `${last.createdAt.toISOString()}_${last.id}` : null,
  };
}

function decodeCursor(cursor: string | undefined): PageKey | undefined {
  if (!cursor) return undefined;
  const [at, id] = cursor.split('_');
  const date = new Date(at ?? '');
  if (!id || Number.isNaN(date.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) {
    throw new AppError('validation_failed', {
      fields: [{ field: 'cursor', message: 'validation.invalidValue' }],
    });
  }
  return { createdAt: date, id };
}
