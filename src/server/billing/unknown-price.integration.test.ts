/**
 * Bad input from Stripe's side (issue 5): a member's subscription to a
 * price the catalog does not sell (created in Stripe's dashboard, or a
 * price id missing from STRIPE_PRICE_*) is stored and flagged for the
 * admin, grants nothing and gives no plan.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createBillingHarness, type BillingHarness } from '../../../tests/support/billing';
import { checkInvariants, expectSound } from '../../../tests/support/checker';
import { queryRows } from '../db/client';
import type { BillingOverview } from '../../shared/billing';

let h: BillingHarness;
beforeAll(async () => {
  // The yearly plan's price is not configured: Stripe sells it, the platform does not know it.
  h = await createBillingHarness({ env: { STRIPE_PRICE_PRO_YEARLY: '' } });
});
afterAll(async () => {
  await h?.close();
});

it('flags an invoice for a price no plan sells and changes no balance', async () => {
  const member = await h.member();
  // Our customer for the member (a pack checkout creates it), then a subscription made in Stripe.
  const { sessionId } = await h.checkout(member, 'pack_100');
  const customer = String(h.fake.store.sessions.get(sessionId)!.customer);
  const sub = h.fake.store.createSubscription(customer, h.fake.store.prices.get('price_pro_yearly')!, {});
  await h.settled();

  const rows = await queryRows<{ type: string; status: string; note: string }>(
    h.t.database.db,
    sql`select type, status, note from stripe_events where type = 'invoice.paid'
        and payload->'data'->'object'->>'customer' = ${customer}`,
  );
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ status: 'flagged' });
  expect(rows[0]!.note).toContain('price_pro_yearly');
  expect(await h.available(member.userId)).toBe(0);

  const overview = (await (
    await h.t.request('/api/billing', { headers: { cookie: member.cookie } })
  ).json()) as BillingOverview;
  // The subscription is mirrored (Stripe has it) but carries no plan and so no allowance.
  expect(overview.subscription).toMatchObject({ id: sub.id, planId: null });
  expect(overview.invoices.map((i) => i.creditsGranted)).toEqual([0]);

  const checkout = await h.t.request('/api/billing/checkout', {
    json: { itemId: 'pro_yearly', lang: 'zh' },
    headers: { cookie: member.cookie, 'accept-language': 'zh' },
  });
  expect(checkout.status).toBe(400);
  expect(((await checkout.json()) as { error: { message: string } }).error.message).toContain('不在售');
  expectSound(
    await checkInvariants(h.t.database.db, { now: h.t.deps.now(), config: h.t.deps.config }),
    'after the unknown price',
  );
});
