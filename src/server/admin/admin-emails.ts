/**
 * ADMIN_EMAILS: accounts with these emails are admins. New accounts get the
 * role as they are created (the auth hook asks `isAdminEmail`); existing
 * ones at boot. Removing an email from the list does not demote anyone:
 * demotion is deliberate, through `npm run admin -- remove-admin EMAIL`.
 */
import { and, inArray, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { users } from '../db/schema';

export function isAdminEmail(adminEmails: readonly string[], email: string): boolean {
  return adminEmails.includes(email.trim().toLowerCase());
}

/** Gives the admin role to the listed accounts that lack it; returns their emails. */
export async function promoteAdminEmails(db: Db, adminEmails: readonly string[]): Promise<string[]> {
  if (adminEmails.length === 0) return [];
  const promoted = await db
    .update(users)
    .set({ role: 'admin' })
    .where(and(inArray(sql`lower(${users.email})`, [...adminEmails]), ne(users.role, 'admin')))
    .returning({ email: users.email });
  return promoted.map((row) => row.email);
}
