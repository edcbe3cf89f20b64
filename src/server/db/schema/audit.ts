/**
 * The admin audit log: who changed what, and when. Append-only like the
 * ledger (the database refuses UPDATE and DELETE, migration 0005), and never
 * holding a secret: a key change records the key's hint, not the key.
 */
import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const auditLog = pgTable(
  'audit_log',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    /** The admin's user id. No foreign key: the log outlives accounts, and its rows never change. */
    actorId: text('actor_id').notNull(),
    actorEmail: text('actor_email').notNull(),
    /** Dotted verb, e.g. "provider.key_set", "model.update". */
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    /** What changed: before/after values of plain settings, never a secret. */
    details: jsonb('details')
      .$type<Record<string, unknown>>()
      .notNull()
      .default(sql`'{}'::jsonb`),
    ip: text('ip'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    // the admin page: newest first
    index('audit_log_created_idx').on(t.createdAt.desc(), t.id.desc()),
    // "the history of this model"
    index('audit_log_target_idx').on(t.targetType, t.targetId, t.createdAt.desc()),
  ],
);

export type AuditLogRow = typeof auditLog.$inferSelect;
