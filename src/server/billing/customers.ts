/**
 * One Stripe customer per member, created once. Two checkouts started at
 * the same moment both ask Stripe with the key `customer:<userId>`, get the
 * same customer back (Stripe replays the first answer), and the second
 * insert finds the row already there.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client';
import { billingCustomers, users } from '../db/schema';
import type { StripeClient } from './stripe-client';

export async function findCustomerId(db: Db, userId: string): Promise<string | undefined> {
  const [row] = await db
    .select({ id: billingCustomers.stripeCustomerId })
    .from(billingCustomers)
    .where(eq(billingCustomers.userId, userId));
  return row?.id;
}

export async function findUserByCustomer(db: Db, customerId: string): Promise<string | undefined> {
  const [row] = await db
    .select({ userId: billingCustomers.userId })
    .from(billingCustomers)
    .where(eq(billingCustomers.stripeCustomerId, customerId));
  return row?.userId;
}

export async function ensureCustomer(db: Db, stripe: StripeClient, userId: string): Promise<string> {
  const known = await findCustomerId(db, userId);
  if (known) return known;
  const [user] = await db
    .select({ email: users.email, name: users.name })
    .from(users)
    .where(eq(users.id, userId));
  if (!user) throw new Error(`user ${userId} does not exist`);
  const customer = await stripe.customers.create(
    { email: user.email, name: user.name, metadata: { userId } },
    { idempotencyKey: `customer:${userId}` },
  );
  await db
    .insert(billingCustomers)
    .values({ userId, stripeCustomerId: customer.id })
    .onConflictDoNothing({ target: billingCustomers.userId });
  const stored = await findCustomerId(db, userId);
  if (!stored) throw new Error(`customer row for ${userId} vanished`);
  return stored;
}
