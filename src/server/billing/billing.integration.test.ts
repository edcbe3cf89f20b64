/**
 * Billing end to end through the API, against the Stripe fake (issue 5):
 * the catalog, checkout of a pack and of a plan, the credits arriving by
 * webhook, the subscription's life (renewal, cancel at period end, end of
 * access), refunds, ownership of orders, and bad input. The ledger checker
 * holds after every test.
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBillingHarness, type BillingHarness } from '../../../tests/support/billing';
import { checkInvariants, expectSound } from '../../../tests/support/checker';
import { queryRows } from '../db/client';
import type { BillingOverview, BillingCatalogView, OrderStatusResponse } from '../../shared/billing';

let h: BillingHarness;

beforeAll(async () => {
  h = await createBillingHarness();
});
afterAll(async () => {
  await h?.close();
});
afterEach(async () => {
  await h.settled();
  const report = await checkInvariants(h.t.database.db, { now: h.t.deps.now(), config: h.t.deps.config });
  expectSound(report, 'after the test');
});

const as = (cookie: string, lang = 'en') => ({ headers: { cookie, 'accept-language': lang } });

async function overview(cookie: string): Promise<BillingOverview> {
  const response = await h.t.request('/api/billing', as(cookie));
  expect(response.status).toBe(200);
  return (await response.json()) as BillingOverview;
}

describe('catalog', () => {
  it('lists packs, plans and what an image costs, without a session', async () => {
    const response = await h.t.request('/api/billing/catalog');
    expect(response.status).toBe(200);
    const catalog = (await response.json()) as BillingCatalogView;
    expect(catalog.enabled).toBe(true);
    expect(catalog.packs.map((p) => [p.id, p.credits, p.purchasable])).toEqual([
      ['pack_100', 100, true],
      ['pack_500', 500, true],
    ]);
    expect(catalog.plans.map((p) => [p.id, p.interval, p.creditsPerPeriod])).toEqual([
      ['pro_monthly', 'month', 1000],
      ['pro_yearly', 'year', 12_000],
    ]);
    expect(catalog.examples.length).toBeGreaterThan(0);
    expect(catalog.examples[0]!.credits).toBeGreaterThanOrEqual(1);
  });
});

describe('checkout input', () => {
  it('refuses an unknown pack with a localized 400 and writes no order', async () => {
    const member = await h.member();
    for (const [lang, text] of [
      ['en', 'not on sale'],
      ['zh', '不在售'],
    ] as const) {
      const response = await h.t.request('/api/billing/checkout', {
        json: { itemId: 'pack_999', lang },
        ...as(member.cookie, lang),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('unknown_item');
      expect(body.error.message).toContain(text);
    }
    const orders = await queryRows<{ n: number }>(
      h.t.database.db,
      sql`select count(*)::int as n from billing_orders where user_id = ${member.userId}`,
    );
    expect(orders[0]!.n).toBe(0);
  });

  it('lets a member start 30 checkouts an hour, then answers 429', async () => {
    const member = await h.member();
    const answers = [];
    for (let i = 0; i < 31; i++) {
      answers.push(
        (
          await h.t.request('/api/billing/checkout', {
            json: { itemId: 'pack_100', lang: 'en' },
            ...as(member.cookie),
          })
        ).status,
      );
    }
    expect(answers.slice(0, 30).every((status) => status === 200)).toBe(true);
    expect(answers[30]).toBe(429);
  });

  it('asks for a session', async () => {
    const response = await h.t.request('/api/billing/checkout', { json: { itemId: 'pack_100' } });
    expect(response.status).toBe(401);
  });
});

describe('a credit pack', () => {
  it('is credited once when paid, and only its buyer can see the order', async () => {
    const member = await h.member();
    const { orderId, sessionId, url } = await h.checkout(member, 'pack_100');
    expect(url).toContain(`${h.fake.origin}/c/pay/`);
    let status = (await (
      await h.t.request(`/api/billing/orders/${orderId}`, as(member.cookie))
    ).json()) as OrderStatusResponse;
    expect(status.order.status).toBe('open');

    h.fake.completeCheckout(sessionId);
    await h.settled();
    expect(await h.available(member.userId)).toBe(100);
    status = (await (
      await h.t.request(`/api/billing/orders/${orderId}`, as(member.cookie))
    ).json()) as OrderStatusResponse;
    expect(status.order).toMatchObject({ status: 'paid', credits: 100, amount: 500, currency: 'usd' });
    expect(status.order.receiptPath).toBe(`/api/billing/orders/${orderId}/receipt`);

    const receipt = await h.t.request(status.order.receiptPath!, as(member.cookie));
    expect(receipt.status).toBe(302);
    expect(receipt.headers.get('location')).toMatch(/^https:\/\//);

    const other = await h.member();
    expect((await h.t.request(`/api/billing/orders/${orderId}`, as(other.cookie))).status).toBe(404);
    expect((await h.t.request(`/api/billing/orders/${orderId}/receipt`, as(other.cookie))).status).toBe(404);

    const session = h.fake.store.sessions.get(sessionId)!;
    for (const event of h.fake.store.events.filter(
      (e) => (e.data as { object: { id: string } }).object.id === sessionId,
    )) {
      await h.fake.redeliver(event.id);
    }
    await h.settled();
    expect(await h.available(member.userId)).toBe(100);
    expect(session.status).toBe('complete');
    const history = (await overview(member.cookie)).orders;
    expect(history.map((o) => [o.itemId, o.status])).toEqual([['pack_100', 'paid']]);
  });

  it('makes one Stripe customer per member, and every POST carries an idempotency key', async () => {
    const member = await h.member();
    const customersBefore = h.fake.store.customers.size;
    const [a, b] = await Promise.all([h.checkout(member, 'pack_100'), h.checkout(member, 'pack_500')]);
    expect(h.fake.store.customers.size).toBe(customersBefore + 1);
    const customer = h.fake.store.sessions.get(a.sessionId)!.customer;
    expect(h.fake.store.sessions.get(b.sessionId)!.customer).toBe(customer);
    const rows = await queryRows<{ id: string }>(
      h.t.database.db,
      sql`select stripe_customer_id as id from billing_customers where user_id = ${member.userId}`,
    );
    expect(rows.map((r) => r.id)).toEqual([customer]);
    const posts = h.fake.requests.filter((r) => r.method === 'POST');
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.filter((r) => typeof r.headers['idempotency-key'] !== 'string')).toEqual([]);
    expect(posts.map((r) => String(r.headers['idempotency-key']))).toEqual(
      expect.arrayContaining([`customer:${member.userId}`, `checkout:${a.orderId}`, `checkout:${b.orderId}`]),
    );
  });

  it('takes refunded credits back once, never below zero, and tells the member once', async () => {
    const member = await h.member();
    const { sessionId } = await h.checkout(member, 'pack_100');
    h.fake.completeCheckout(sessionId);
    await h.settled();
    const paymentIntent = String(h.fake.store.sessions.get(sessionId)!.payment_intent);
    const charge = [...h.fake.store.charges.values()].find((c) => c.payment_intent === paymentIntent)!;

    // Half refunded: 50 credits back.
    h.fake.refundCharge(charge.id, 250);
    await h.settled();
    expect(await h.available(member.userId)).toBe(50);

    // Spend 30 of the rest (an admin-style revoke stands in for spending), then refund the rest.
    await queryRows(h.t.database.db, sql`select 1`);
    const { revokeCredits } = await import('../credits');
    await revokeCredits(h.t.database.db, {
      userId: member.userId,
      amount: 30,
      reason: 'spent in the test',
      actorId: null,
      idempotencyKey: `test-spend:${member.userId}`,
      allowPartial: false,
      at: h.t.deps.now(),
    });
    h.fake.refundCharge(charge.id);
    await h.settled();
    expect(await h.available(member.userId)).toBe(0);
    const refundEvent = h.fake.store.events.filter((e) => e.type === 'charge.refunded').at(-1)!;
    await h.fake.redeliver(refundEvent.id);
    await h.settled();
    expect(await h.available(member.userId)).toBe(0);

    const { orders, notices } = await overview(member.cookie);
    expect(orders[0]).toMatchObject({ creditsClawedBack: 70 });
    const [order] = await queryRows<{ unrecovered: number }>(
      h.t.database.db,
      sql`select credits_unrecovered as unrecovered from billing_orders where checkout_session_id = ${sessionId}`,
    );
    expect(order!.unrecovered).toBe(30);
    expect(notices.map((n) => [n.kind, n.credits, n.unrecovered])).toEqual([
      ['clawback', 20, 30],
      ['clawback', 50, 0],
    ]);
  });
});

describe('a subscription', () => {
  it('grants each paid period once, cancels at period end, and ends access when deleted', async () => {
    const member = await h.member();
    const { orderId, sessionId } = await h.checkout(member, 'pro_monthly');
    h.fake.completeCheckout(sessionId);
    await h.settled();
    expect(await h.available(member.userId)).toBe(1000);

    let view = await overview(member.cookie);
    expect(view.subscription).toMatchObject({ planId: 'pro_monthly', status: 'active', hasAccess: true });
    const subId = view.subscription!.id;
    const periodEnd = Number(h.fake.store.subscriptions.get(subId)!.current_period_end);
    const [grant] = await queryRows<{ expires: Date }>(
      h.t.database.db,
      sql`select expires_at as expires from credit_grants g join credit_accounts a on a.id = g.account_id
          where a.user_id = ${member.userId} and g.kind = 'subscription'`,
    );
    expect(new Date(grant!.expires).getTime()).toBe(periodEnd * 1000);
    const status = (await (
      await h.t.request(`/api/billing/orders/${orderId}`, as(member.cookie))
    ).json()) as OrderStatusResponse;
    expect(status.subscription).toMatchObject({ id: subId, hasAccess: true });

    // A second plan checkout is refused while this one lasts.
    const again = await h.t.request('/api/billing/checkout', {
      json: { itemId: 'pro_yearly', lang: 'en' },
      ...as(member.cookie),
    });
    expect(again.status).toBe(409);

    // Renewal: the next invoice's allowance, once, even when delivered twice.
    const invoice = h.fake.renewSubscription(subId);
    await h.settled();
    const paid = h.fake.store.events.find(
      (e) => e.type === 'invoice.paid' && (e.data as { object: { id: string } }).object.id === invoice.id,
    )!;
    await h.fake.redeliver(paid.id);
    await h.settled();
    view = await overview(member.cookie);
    expect(view.invoices.map((i) => i.creditsGranted)).toEqual([1000, 1000]);

    // Cancel at period end through our API, then resume, then cancel again.
    let response = await h.t.request('/api/billing/subscription/cancel', {
      method: 'POST',
      ...as(member.cookie),
    });
    expect(response.status).toBe(200);
    expect(h.fake.store.subscriptions.get(subId)!.cancel_at_period_end).toBe(true);
    response = await h.t.request('/api/billing/subscription/resume', {
      method: 'POST',
      ...as(member.cookie),
    });
    expect(((await response.json()) as { cancelAtPeriodEnd: boolean }).cancelAtPeriodEnd).toBe(false);
    response = await h.t.request('/api/billing/subscription/cancel', {
      method: 'POST',
      ...as(member.cookie),
    });
    expect(((await response.json()) as { cancelAtPeriodEnd: boolean }).cancelAtPeriodEnd).toBe(true);
    await h.settled();
    expect((await overview(member.cookie)).subscription).toMatchObject({
      cancelAtPeriodEnd: true,
      hasAccess: true,
    });

    // The period ends: Stripe deletes the subscription and access ends.
    h.fake.endSubscription(subId);
    await h.settled();
    view = await overview(member.cookie);
    expect(view.subscription).toMatchObject({ id: subId, status: 'canceled', hasAccess: false });
  });

  it('takes back a refunded period’s allowance, finding the invoice by the payment that paid it', async () => {
    const member = await h.member();
    const { sessionId } = await h.checkout(member, 'pro_monthly');
    h.fake.completeCheckout(sessionId);
    await h.settled();
    expect(await h.available(member.userId)).toBe(1000);
    const invoiceId = String(h.fake.store.sessions.get(sessionId)!.invoice);
    // The pinned API version's invoice names no charge: only its invoice payments say what paid it.
    expect(h.fake.store.invoices.get(invoiceId)!.charge).toBeUndefined();
    const payment = [...h.fake.store.invoicePayments.values()].find((p) => p.invoice === invoiceId)!;
    const intentId = (payment.payment as { payment_intent: string }).payment_intent;
    const chargeId = String(h.fake.store.paymentIntents.get(intentId)!.latest_charge);
    h.fake.refundCharge(chargeId);
    await h.settled();
    expect(await h.available(member.userId)).toBe(0);
    const { notices } = await overview(member.cookie);
    expect(notices.map((n) => [n.kind, n.credits])).toEqual([['clawback', 1000]]);
  });

  it('changes plan through Stripe from the next period', async () => {
    const member = await h.member();
    const { sessionId } = await h.checkout(member, 'pro_monthly');
    h.fake.completeCheckout(sessionId);
    await h.settled();
    const response = await h.t.request('/api/billing/subscription/change', {
      json: { planId: 'pro_yearly' },
      ...as(member.cookie),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { planId: string }).planId).toBe('pro_yearly');
    const subId = (await overview(member.cookie)).subscription!.id;
    const item = (h.fake.store.subscriptions.get(subId)!.items as { data: { price: { id: string } }[] })
      .data[0]!;
    expect(item.price.id).toBe('price_pro_yearly');
    const unknown = await h.t.request('/api/billing/subscription/change', {
      json: { planId: 'gold' },
      ...as(member.cookie),
    });
    expect(unknown.status).toBe(400);
    await h.settled();
    expect(await h.available(member.userId)).toBe(1000);
  });
});

describe('events the platform cannot place', () => {
  it('stores and flags an unknown customer and changes no balance', async () => {
    const before = await queryRows<{ total: number }>(
      h.t.database.db,
      sql`select coalesce(sum(available), 0)::int as total from credit_accounts where kind = 'user'`,
    );
    const stranger = h.fake.store.base('cus', 'customer');
    h.fake.store.customers.set(stranger.id, { ...stranger, email: 'stranger@example.test', metadata: {} });
    const sub = h.fake.store.createSubscription(
      stranger.id,
      h.fake.store.prices.get('price_pro_monthly')!,
      {},
    );
    await h.settled();
    const rows = await queryRows<{ type: string; status: string }>(
      h.t.database.db,
      sql`select type, status from stripe_events
          where payload->'data'->'object'->>'customer' = ${stranger.id}
             or payload->'data'->'object'->>'id' = ${sub.id}`,
    );
    const byType = Object.fromEntries(rows.map((r) => [r.type, r.status]));
    expect(byType['customer.subscription.created']).toBe('flagged');
    expect(byType['invoice.paid']).toBe('flagged');
    const after = await queryRows<{ total: number }>(
      h.t.database.db,
      sql`select coalesce(sum(available), 0)::int as total from credit_accounts where kind = 'user'`,
    );
    expect(after[0]!.total).toBe(before[0]!.total);

    // Admins see what was flagged, with the reason; members get 404.
    const admin = await h.member();
    const member = await h.member();
    await queryRows(h.t.database.db, sql`update users set role = 'admin' where id = ${admin.userId}`);
    const listed = await h.t.request('/api/admin/billing/events?status=flagged', as(admin.cookie));
    expect(listed.status).toBe(200);
    const { items } = (await listed.json()) as { items: { type: string; note: string; objectId: string }[] };
    const created = items.find((i) => i.type === 'customer.subscription.created' && i.objectId === sub.id);
    expect(created?.note).toContain(stranger.id);
    expect((await h.t.request('/api/admin/billing/events', as(member.cookie))).status).toBe(404);
    expect((await h.t.request('/api/admin/billing/events?status=bogus', as(admin.cookie))).status).toBe(400);
  });
});
