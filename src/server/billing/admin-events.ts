/**
 * Stripe events an admin should look at (decision 020): `flagged` ones (an
 * unknown customer, price or session; an allowance for a period already
 * over; a claw-back that could not take everything) and ones still waiting
 * (`deferred`, or `received` for longer than a job should take). Newest
 * first; the payload stays in the database, the list shows what to search
 * for in Stripe's dashboard.
 */
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { Db } from '../db/client';
import { stripeEvents } from '../db/schema';
import type { AdminStripeEvent } from '../../shared/billing';

export const attentionStatuses = ['flagged', 'deferred', 'received'] as const;

export async function listStripeEventsForAdmin(
  db: Db,
  options: { status: (typeof attentionStatuses)[number]; before?: Date; limit: number },
): Promise<{ items: AdminStripeEvent[]; nextCursor: string | null }> {
  const where: SQL[] = [eq(stripeEvents.status, options.status)];
  if (options.before) where.push(lt(stripeEvents.receivedAt, options.before));
  const rows = await db
    .select()
    .from(stripeEvents)
    .where(and(...where))
    .orderBy(desc(stripeEvents.receivedAt))
    .limit(options.limit + 1);
  const page = rows.slice(0, options.limit);
  return {
    items: page.map((row) => ({
      id: row.id,
      type: row.type,
      status: row.status,
      note: row.note,
      source: row.source,
      objectId: row.objectId,
      createdAt: row.createdAt.toISOString(),
      receivedAt: row.receivedAt.toISOString(),
    })),
    nextCursor: rows.length > options.limit ? page.at(-1)!.receivedAt.toISOString() : null,
  };
}
