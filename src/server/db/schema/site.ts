/** Tables of the public site: consent proof, contact messages, app-level rate limits. */
import { sql } from 'drizzle-orm';
import { bigint, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth';

export const consentRecords = pgTable(
  'consent_records',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    /** Pseudonymous id kept in the visitor's consent cookie; no IP is stored. */
    consentId: text('consent_id').notNull(),
    userId: text('user_id').references(() => users.id, { onDelete: 'set null' }),
    policyVersion: integer('policy_version').notNull(),
    /** Granted optional categories, e.g. {functional,analytics}; empty = refused all. */
    categories: text('categories').array().notNull(),
    action: text('action', { enum: ['accept_all', 'reject_all', 'custom', 'withdraw'] }).notNull(),
    /** SHA-256 of the banner text the visitor saw, in their language. */
    uiTextHash: text('ui_text_hash').notNull(),
    locale: text('locale').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    // proof lookups: "what did this visitor choose, and when"
    index('consent_records_consent_id_idx').on(t.consentId, t.createdAt),
    // a member's consent history (data export, account deletion)
    index('consent_records_user_id_idx').on(t.userId),
  ],
);

export const contactMessages = pgTable(
  'contact_messages',
  {
    id: uuid('id')
      .primaryKey()
      .default(sql`gen_random_uuid()`),
    name: text('name').notNull(),
    email: text('email').notNull(),
    message: text('message').notNull(),
    locale: text('locale').notNull(),
    userId: text('user_id').references(() => users.id, { onDelete: 'set null' }),
    status: text('status', { enum: ['new', 'read', 'answered', 'spam'] })
      .notNull()
      .default('new'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  // the admin inbox lists new messages first
  (t) => [index('contact_messages_status_created_idx').on(t.status, t.createdAt)],
);

/**
 * Fixed-window counters for the app's own limits (contact form, later the
 * generation API). One row per key and window; increments are atomic upserts,
 * so several instances share them (decision 004).
 */
export const rateLimitHits = pgTable('rate_limit_hits', {
  key: text('key').primaryKey(),
  windowStart: bigint('window_start', { mode: 'number' }).notNull(),
  count: integer('count').notNull(),
});
