/**
 * Holds the Stripe fake to Stripe's protocol with the real `stripe` client
 * (and plain fetch where the wire itself is the point): auth, bracket-notation
 * forms, idempotency replay and mismatch, the hosted checkout page, the
 * subscription lifecycle, webhook signatures checked by
 * `stripe.webhooks.constructEvent`, and the delivery faults billing tests need
 * (duplicates, seeded reordering, retries, forged and stale signatures).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startStripeFake, type StripeFake } from './stripe';
import { shuffle } from './stripe/webhooks';

interface Received {
  body: string;
  signature: string;
}

/** A webhook endpoint that records raw bodies and answers queued statuses (200 once the queue is empty). */
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
const statuses: number[] = [];

let fake: StripeFake;
let stripe: Stripe;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: String(req.headers['stripe-signature']),
      });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/webhooks/stripe`;
  fake = await startStripeFake({ webhookUrl: receiverUrl });
  stripe = new Stripe(fake.secretKey, { ...fake.clientOptions, maxNetworkRetries: 0 });
});
afterAll(async () => {
  await fake.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});
beforeEach(async () => {
  await fake.webhooksSettled();
  received.length = 0;
  statuses.length = 0;
  fake.webhooks.hold = false;
});

/** Every received delivery, checked by the real library; throws on a bad signature. */
const verified = () =>
  received.map((r) => stripe.webhooks.constructEvent(r.body, r.signature, fake.webhookSecret));

/** The id of the object a delivered event body is about. */
const eventObjectId = (body: string) =>
  (JSON.parse(body) as { data: { object: { id: string } } }).data.object.id;

const form = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${fake.origin}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${fake.secretKey}`,
      'content-type': 'application/x-www-form-urlencoded',
      ...headers,
    },
    body,
  });

describe('protocol', () => {
  it('refuses a missing or wrong key with a 401 in Stripe’s error shape', async () => {
    const none = await fetch(`${fake.origin}/v1/customers`);
    expect(none.status).toBe(401);
    const body = (await none.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/did not provide an API key/);
    const wrong = new Stripe('sk_test_wrong_key_123456', { ...fake.clientOptions, maxNetworkRetries: 0 });
    await expect(wrong.customers.list()).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });

  it('decodes bracket notation and answers Stripe object shapes', async () => {
    const response = await form(
      '/v1/checkout/sessions',
      'mode=payment&success_url=https%3A%2F%2Fapp.test%2Fok%3Fs%3D%7BCHECKOUT_SESSION_ID%7D' +
        '&line_items[0][price]=price_pack_100&line_items[0][quantity]=2' +
        '&line_items[1][price]=price_pack_500&metadata[order]=ord_1&metadata[member]=m_7' +
        '&allow_promotion_codes=true&client_reference_id=m_7',
    );
    expect(response.status).toBe(200);
    const session = (await response.json()) as Record<string, unknown>;
    expect(session).toMatchObject({
      object: 'checkout.session',
      livemode: false,
      mode: 'payment',
      amount_total: 2 * 500 + 2000,
      metadata: { order: 'ord_1', member: 'm_7' },
      allow_promotion_codes: true,
      client_reference_id: 'm_7',
      status: 'open',
      payment_status: 'unpaid',
    });
    expect(session.id).toMatch(/^cs_test_/);
    expect(typeof session.created).toBe('number');
    expect(session).not.toHaveProperty('line_items_raw');
  });

  it('rejects JSON bodies, unknown prices, a recurring price in payment mode and unknown routes', async () => {
    const json = await fetch(`${fake.origin}/v1/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.secretKey}`, 'content-type': 'application/json' },
      body: '{"email":"a@b.test"}',
    });
    expect(json.status).toBe(400);
    await expect(
      stripe.checkout.sessions.create({
        mode: 'payment',
        success_url: 'https://app.test/ok',
        line_items: [{ price: 'price_nope', quantity: 1 }],
      }),
    ).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      code: 'resource_missing',
      param: 'line_items[0][price]',
    });
    await expect(
      stripe.checkout.sessions.create({
        mode: 'payment',
        success_url: 'https://app.test/ok',
        line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
      }),
    ).rejects.toThrow(/recurring price/);
    await expect(stripe.customers.retrieve('cus_missing')).rejects.toMatchObject({
      statusCode: 404,
      code: 'resource_missing',
    });
    const unknown = await fetch(`${fake.origin}/v1/nothing`, {
      headers: { authorization: `Bearer ${fake.secretKey}` },
    });
    expect(unknown.status).toBe(404);
  });

  it('lists and retrieves the configured prices', async () => {
    const recurring = await stripe.prices.list({ type: 'recurring' });
    expect(recurring.data.map((p) => p.id).sort()).toEqual(['price_pro_monthly', 'price_pro_yearly']);
    const pack = await stripe.prices.retrieve('price_pack_100');
    expect(pack).toMatchObject({ type: 'one_time', unit_amount: 500, recurring: null, currency: 'usd' });
  });
});

describe('idempotency keys', () => {
  it('replays the same answer for the same key and params', async () => {
    const first = await stripe.customers.create(
      { email: 'same@b.test' },
      { idempotencyKey: 'cust-member-1' },
    );
    const again = await stripe.customers.create(
      { email: 'same@b.test' },
      { idempotencyKey: 'cust-member-1' },
    );
    expect(again.id).toBe(first.id);
    const raw = await form('/v1/customers', 'email=same%40b.test', { 'idempotency-key': 'cust-member-1' });
    expect(raw.headers.get('idempotent-replayed')).toBe('true');
    expect(((await raw.json()) as { id: string }).id).toBe(first.id);
    const all = await stripe.customers.list({ email: 'same@b.test' });
    expect(all.data).toHaveLength(1);
  });

  it('refuses the same key with different params', async () => {
    await stripe.customers.create({ email: 'one@b.test' }, { idempotencyKey: 'cust-member-2' });
    await expect(
      stripe.customers.create({ email: 'two@b.test' }, { idempotencyKey: 'cust-member-2' }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
  });

  it('forgets a key after 24 hours of fake time', async () => {
    const first = await stripe.customers.create({ email: 'old@b.test' }, { idempotencyKey: 'cust-member-3' });
    fake.advanceTime(24 * 3600 + 1);
    const later = await stripe.customers.create({ email: 'old@b.test' }, { idempotencyKey: 'cust-member-3' });
    expect(later.id).not.toBe(first.id);
  });

  it('processes a POST whose answer was lost once, and the client’s retry with the key replays it (S7)', async () => {
    const retrying = new Stripe(fake.secretKey, { ...fake.clientOptions, maxNetworkRetries: 2 });
    fake.fail({ kind: 'server_error', variant: 'reset_after_processing', path: '/v1/customers' });
    const customer = await retrying.customers.create(
      { email: 'reset@b.test' },
      { idempotencyKey: 'cust-member-4' },
    );
    const posts = fake.requests.filter(
      (r) => r.method === 'POST' && r.headers['idempotency-key'] === 'cust-member-4',
    );
    expect(posts).toHaveLength(2);
    expect((await stripe.customers.list({ email: 'reset@b.test' })).data.map((c) => c.id)).toEqual([
      customer.id,
    ]);
  });
});

describe('checkout', () => {
  it('completes a pack through the hosted page and sends a signed checkout.session.completed', async () => {
    const customer = await stripe.customers.create({ email: 'pack@b.test' });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      customer: customer.id,
      line_items: [{ price: 'price_pack_500', quantity: 1 }],
      success_url: 'https://app.test/billing/success?session_id={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://app.test/billing/cancel',
      metadata: { order: 'ord_pack_1' },
    });
    expect(session.url).toBe(`${fake.origin}/c/pay/${session.id}`);
    const pageHtml = await (await fetch(session.url!)).text();
    expect(pageHtml).toContain('<form method="post"');
    expect(pageHtml).toContain('href="https://app.test/billing/cancel"');
    const paid = await fetch(session.url!, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`https://app.test/billing/success?session_id=${session.id}`);
    await fake.webhooksSettled();
    const after = await stripe.checkout.sessions.retrieve(session.id);
    expect(after).toMatchObject({ status: 'complete', payment_status: 'paid' });
    expect(after.payment_intent).toMatch(/^pi_/);
    const events = verified();
    const completed = events.find((e) => e.type === 'checkout.session.completed');
    expect(completed?.data.object).toMatchObject({
      id: session.id,
      amount_total: 2000,
      metadata: { order: 'ord_pack_1' },
      payment_status: 'paid',
    });
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['payment_intent.succeeded', 'charge.succeeded', 'checkout.session.completed']),
    );
    // A completed session's page no longer takes payment.
    expect(
      (await fetch(`${fake.origin}/c/pay/${session.id}`, { method: 'POST', redirect: 'manual' })).status,
    ).toBe(410);
  });

  it('leaves a delayed payment unpaid until it settles (S3)', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: 'price_pack_100' }],
      success_url: 'https://app.test/ok',
    });
    expect(fake.completeCheckout(session.id, { async: true })).toMatchObject({ payment_status: 'unpaid' });
    fake.settleAsyncPayment(session.id, true);
    await fake.webhooksSettled();
    const types = verified().map((e) => e.type);
    expect(types.indexOf('checkout.session.completed')).toBeLessThan(
      types.indexOf('checkout.session.async_payment_succeeded'),
    );
  });

  it('creates billing portal sessions on the fake’s origin', async () => {
    const customer = await stripe.customers.create({ email: 'portal@b.test' });
    const portal = await stripe.billingPortal.sessions.create({
      customer: customer.id,
      return_url: 'https://app.test/billing',
    });
    expect(portal.id).toMatch(/^bps_/);
    expect(await (await fetch(portal.url)).text()).toContain('href="https://app.test/billing"');
    await expect(stripe.billingPortal.sessions.create({ customer: 'cus_nope' })).rejects.toMatchObject({
      code: 'resource_missing',
    });
  });
});

describe('subscriptions', () => {
  it('walks created → invoice.paid → renew → plan change → cancel at period end → deleted', async () => {
    const customer = await stripe.customers.create({ email: 'sub@b.test' });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: 'price_pro_monthly', quantity: 1 }],
      success_url: 'https://app.test/ok?s={CHECKOUT_SESSION_ID}',
      subscription_data: { metadata: { member: 'm_sub' } },
    });
    const done = fake.completeCheckout(session.id);
    const subId = String(done.subscription);
    let sub = await stripe.subscriptions.retrieve(subId);
    expect(sub).toMatchObject({ status: 'active', customer: customer.id, metadata: { member: 'm_sub' } });
    const firstEnd = sub.items.data[0]!.current_period_end;

    const renewal = fake.renewSubscription(subId);
    expect(renewal).toMatchObject({
      status: 'paid',
      billing_reason: 'subscription_cycle',
      period_start: firstEnd,
    });

    sub = await stripe.subscriptions.update(subId, {
      items: [{ id: sub.items.data[0]!.id, price: 'price_pro_yearly' }],
    });
    expect(sub.items.data[0]!.price.id).toBe('price_pro_yearly');
    sub = await stripe.subscriptions.update(subId, { cancel_at_period_end: true });
    expect(sub.cancel_at_period_end).toBe(true);
    fake.endSubscription(subId);
    await fake.webhooksSettled();

    expect((await stripe.subscriptions.retrieve(subId)).status).toBe('canceled');
    await expect(stripe.subscriptions.update(subId, { cancel_at_period_end: false })).rejects.toThrow(
      /canceled subscription/,
    );
    // Deliveries run concurrently and may arrive in any order; the API's event log keeps creation order.
    const mine = fake.store.events.filter((e) => {
      const object = (
        e.data as {
          object: {
            id?: string;
            subscription?: string;
            parent?: { subscription_details?: { subscription?: string } } | null;
          };
        }
      ).object;
      // A checkout session names its subscription; an invoice, under parent (API 2025-03-31 on).
      return (
        object.id === subId ||
        object.subscription === subId ||
        object.parent?.subscription_details?.subscription === subId
      );
    });
    expect(verified().map((e) => e.id)).toEqual(expect.arrayContaining(mine.map((e) => e.id)));
    expect(mine.map((e) => e.type)).toEqual([
      'customer.subscription.created',
      'invoice.created',
      'invoice.paid',
      'invoice.payment_succeeded',
      'checkout.session.completed',
      'customer.subscription.updated',
      'invoice.created',
      'invoice.paid',
      'invoice.payment_succeeded',
      'customer.subscription.updated',
      'customer.subscription.updated',
      'customer.subscription.deleted',
    ]);
    const invoices = await stripe.invoices.list({ subscription: subId });
    expect(invoices.data.map((i) => i.billing_reason)).toEqual(['subscription_cycle', 'subscription_create']);
    expect((await stripe.invoices.retrieve(renewal.id)).amount_paid).toBe(1500);
  });

  it('renews on its own when time passes, fails a payment, and ends a subscription set to cancel', async () => {
    const customer = await stripe.customers.create({});
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: 'price_pro_monthly' }],
      success_url: 'https://app.test/ok',
    });
    const subId = String(fake.completeCheckout(session.id).subscription);
    fake.advanceTime(32 * 86_400);
    expect((await stripe.invoices.list({ subscription: subId })).data).toHaveLength(2);
    const failed = fake.failPayment(subId);
    expect(failed.status).toBe('open');
    expect((await stripe.subscriptions.retrieve(subId)).status).toBe('past_due');
    fake.cancelAtPeriodEnd(subId);
    fake.advanceTime(20 * 86_400);
    expect((await stripe.subscriptions.retrieve(subId)).status).toBe('past_due');
    fake.advanceTime(40 * 86_400);
    expect((await stripe.subscriptions.retrieve(subId)).status).toBe('canceled');
    await fake.webhooksSettled();
    expect(verified().map((e) => e.type)).toContain('invoice.payment_failed');
  });

  it('cancels at once with DELETE', async () => {
    const customer = await stripe.customers.create({});
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: 'price_pro_yearly' }],
      success_url: 'https://app.test/ok',
    });
    const subId = String(fake.completeCheckout(session.id).subscription);
    expect((await stripe.subscriptions.cancel(subId)).status).toBe('canceled');
  });
});

describe('refunds and disputes', () => {
  it('emits charge.refunded (partial, then full) and charge.dispute.created', async () => {
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price: 'price_pack_500' }],
      success_url: 'https://app.test/ok',
    });
    const done = fake.completeCheckout(session.id);
    const intent = await stripe.paymentIntents.retrieve(String(done.payment_intent));
    const chargeId = intent.latest_charge as string;
    expect(fake.refundCharge(chargeId, 500)).toMatchObject({ amount_refunded: 500, refunded: false });
    expect(fake.refundCharge(chargeId)).toMatchObject({ amount_refunded: 2000, refunded: true });
    fake.dispute(chargeId);
    await fake.webhooksSettled();
    const events = verified();
    expect(events.filter((e) => e.type === 'charge.refunded')).toHaveLength(2);
    expect(events.find((e) => e.type === 'charge.dispute.created')?.data.object).toMatchObject({
      charge: chargeId,
      amount: 2000,
    });
  });
});

describe('webhook deliveries', () => {
  it('signs every delivery so stripe.webhooks.constructEvent accepts it, and forges on demand (S1)', async () => {
    const customer = await stripe.customers.create({ email: 'sig@b.test' });
    await fake.webhooksSettled();
    const [event] = verified();
    expect(event).toMatchObject({ type: 'customer.created', data: { object: { id: customer.id } } });
    received.length = 0;
    await fake.redeliver(event!.id, { tamper: 'wrong_secret' });
    await fake.redeliver(event!.id, { tamper: 'stale_timestamp' });
    expect(received).toHaveLength(2);
    for (const r of received) {
      expect(() => stripe.webhooks.constructEvent(r.body, r.signature, fake.webhookSecret)).toThrow(
        Stripe.errors.StripeSignatureVerificationError,
      );
    }
    // The same body with one byte changed fails too: the signature covers the raw bytes.
    expect(() =>
      stripe.webhooks.constructEvent(
        received[0]!.body.replace('customer', 'custumer'),
        received[0]!.signature,
        fake.webhookSecret,
      ),
    ).toThrow();
  });

  it('holds a batch and releases it duplicated in a seeded order (S2)', async () => {
    fake.webhooks.hold = true;
    await stripe.customers.create({ email: 'a@dup.test' });
    await stripe.customers.create({ email: 'b@dup.test' });
    await stripe.customers.create({ email: 'c@dup.test' });
    const held = fake.webhooks.heldIds();
    expect(held).toHaveLength(3);
    expect(received).toHaveLength(0);
    await fake.webhooks.release({ copies: 2, seed: 42 });
    const ids = verified().map((e) => e.id);
    expect(ids).toEqual(
      shuffle(
        [...held, ...held].sort((a, b) => held.indexOf(a) - held.indexOf(b)),
        42,
      ),
    );
    expect(ids).not.toEqual([held[0], held[0], held[1], held[1], held[2], held[2]]);
    for (const id of held) expect(ids.filter((x) => x === id)).toHaveLength(2);
  });

  it('retries after non-2xx answers with backoff, then gives up after maxAttempts (S5)', async () => {
    statuses.push(500, 503);
    const ok = await stripe.customers.create({ email: 'retry@b.test' });
    await fake.webhooksSettled();
    const tries = fake.webhooks.deliveries.filter((d) => eventObjectId(d.body) === ok.id);
    expect(tries.map((d) => [d.attempt, d.status])).toEqual([
      [1, 500],
      [2, 503],
      [3, 200],
    ]);
    statuses.push(500, 500, 500, 500);
    const lost = await stripe.customers.create({ email: 'lost@b.test' });
    await fake.webhooksSettled();
    expect(fake.webhooks.deliveries.filter((d) => eventObjectId(d.body) === lost.id)).toHaveLength(
      fake.webhooks.maxAttempts,
    );
    const undelivered = await stripe.events.list({ delivery_success: false });
    expect(undelivered.data.map((e) => (e.data.object as { id: string }).id)).toContain(lost.id);
    expect(undelivered.data.map((e) => (e.data.object as { id: string }).id)).not.toContain(ok.id);
  });

  it('delays a redelivery', async () => {
    const customer = await stripe.customers.create({});
    await fake.webhooksSettled();
    const eventId = verified()[0]!.id;
    const started = Date.now();
    await fake.redeliver(eventId, { delayMs: 150 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(verified().map((e) => e.data.object)).toEqual([
      expect.objectContaining({ id: customer.id }),
      expect.objectContaining({ id: customer.id }),
    ]);
  });
});

describe('control routes (over HTTP, for tests in another process)', () => {
  const control = (path: string, init?: RequestInit) => fetch(`${fake.origin}/__control${path}`, init);
  const post = (path: string) => control(path, { method: 'POST' });
  type Emitted = { id: string; type: string }[];

  /** A customer with this email and an active monthly plan bought through checkout. */
  async function subscribed(email: string) {
    const customer = await stripe.customers.create({ email });
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: 'price_pro_monthly' }],
      success_url: 'https://app.test/ok',
    });
    return { customer, subId: String(fake.completeCheckout(session.id).subscription) };
  }

  it('lists a customer’s subscriptions by email or by customer id, newest first, with no API key', async () => {
    const { customer, subId } = await subscribed('control-list@b.test');
    const second = await stripe.checkout.sessions.create({
      mode: 'subscription',
      customer: customer.id,
      line_items: [{ price: 'price_pro_yearly' }],
      success_url: 'https://app.test/ok',
    });
    const laterId = String(fake.completeCheckout(second.id).subscription);
    await subscribed('someone-else@b.test');

    const byEmail = await control(`/subscriptions?email=${encodeURIComponent('control-list@b.test')}`);
    expect(byEmail.status).toBe(200);
    const listed = (await byEmail.json()) as { data: { id: string; object: string; customer: string }[] };
    expect(listed.data.map((s) => s.id)).toEqual([laterId, subId]);
    expect(listed.data[1]).toMatchObject({ object: 'subscription', customer: customer.id, status: 'active' });
    const byCustomer = (await (await control(`/subscriptions?customer=${customer.id}`)).json()) as {
      data: { id: string }[];
    };
    expect(byCustomer.data.map((s) => s.id)).toEqual([laterId, subId]);
    expect(await (await control('/subscriptions?email=nobody%40b.test')).json()).toEqual({ data: [] });
    expect((await control('/subscriptions')).status).toBe(400);
  });

  it('renews with a paid invoice, names the events it sent, and sends invoice.paid again as a duplicate', async () => {
    const { subId } = await subscribed('control-renew@b.test');
    const firstEnd = (await stripe.subscriptions.retrieve(subId)).items.data[0]!.current_period_end;
    await fake.webhooksSettled();
    received.length = 0;

    const renewed = await post(`/subscriptions/${subId}/renew`);
    expect(renewed.status).toBe(200);
    const { invoice, events } = (await renewed.json()) as { invoice: Stripe.Invoice; events: Emitted };
    expect(invoice).toMatchObject({
      object: 'invoice',
      status: 'paid',
      billing_reason: 'subscription_cycle',
      period_start: firstEnd,
      amount_paid: 1500,
    });
    expect(events.map((e) => e.type)).toEqual([
      'customer.subscription.updated',
      'invoice.created',
      'payment_intent.succeeded',
      'charge.succeeded',
      'invoice.paid',
      'invoice.payment_succeeded',
    ]);
    expect((await stripe.subscriptions.retrieve(subId)).items.data[0]!.current_period_start).toBe(firstEnd);

    // "settled" answers once every delivery the renewal started has been answered.
    expect((await post('/webhooks/settled')).status).toBe(204);
    expect(
      verified()
        .map((e) => e.id)
        .sort(),
    ).toEqual(events.map((e) => e.id).sort());

    const paid = events.find((e) => e.type === 'invoice.paid')!;
    const again = await post(`/events/${paid.id}/redeliver`);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({
      delivery: { eventId: paid.id, type: 'invoice.paid', attempt: 1, status: 200 },
    });
    // The same event (id and invoice) twice, each copy validly signed.
    const copies = verified().filter((e) => e.id === paid.id);
    expect(copies).toHaveLength(2);
    expect(copies[1]!.data.object).toEqual(copies[0]!.data.object);
    expect(copies[0]!.data.object).toMatchObject({ id: invoice.id, status: 'paid' });
  });

  it('ends a subscription with customer.subscription.deleted, and refuses what Stripe would not do', async () => {
    const { subId } = await subscribed('control-end@b.test');
    const ended = await post(`/subscriptions/${subId}/end`);
    expect(ended.status).toBe(200);
    const body = (await ended.json()) as { subscription: Stripe.Subscription; events: Emitted };
    expect(body.subscription).toMatchObject({ id: subId, status: 'canceled' });
    expect(body.subscription.ended_at).toEqual(expect.any(Number));
    expect(body.events.map((e) => e.type)).toEqual(['customer.subscription.deleted']);
    expect((await stripe.subscriptions.retrieve(subId)).status).toBe('canceled');
    await fake.webhooksSettled();
    expect(
      verified()
        .filter((e) => e.type === 'customer.subscription.deleted')
        .map((e) => e.id),
    ).toEqual([body.events[0]!.id]);

    // A canceled subscription neither renews nor ends again; unknown ids and routes are 404s.
    expect((await post(`/subscriptions/${subId}/renew`)).status).toBe(409);
    expect((await post(`/subscriptions/${subId}/end`)).status).toBe(409);
    const unknown = await post('/subscriptions/sub_nope/renew');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: { message: 'no such subscription sub_nope' } });
    expect((await post('/events/evt_nope/redeliver')).status).toBe(404);
    expect((await control('/subscriptions/renew')).status).toBe(404);
    // The control routes open nothing else: Stripe's API still wants its key.
    expect((await fetch(`${fake.origin}/v1/subscriptions/${subId}`)).status).toBe(401);
  });
});

describe('events list', () => {
  it('pages newest first with starting_after, filters by types[] and created[gte], and auto-paginates', async () => {
    fake.advanceTime(1);
    const since = fake.nowSeconds();
    for (let i = 0; i < 5; i++) await stripe.customers.create({ email: `page${i}@b.test` });
    const page1 = await stripe.events.list({
      limit: 2,
      types: ['customer.created'],
      created: { gte: since },
    });
    expect(page1.data).toHaveLength(2);
    expect(page1.has_more).toBe(true);
    const page2 = await stripe.events.list({
      limit: 2,
      types: ['customer.created'],
      created: { gte: since },
      starting_after: page1.data[1]!.id,
    });
    expect(page2.data[0]!.id).not.toBe(page1.data[1]!.id);
    const all: Stripe.Event[] = [];
    for await (const event of stripe.events.list({
      limit: 2,
      types: ['customer.created'],
      created: { gte: since },
    })) {
      all.push(event);
    }
    expect(all.map((e) => (e.data.object as { email: string }).email)).toEqual(
      [4, 3, 2, 1, 0].map((i) => `page${i}@b.test`),
    );
    expect((await stripe.events.retrieve(all[0]!.id)).id).toBe(all[0]!.id);
    await expect(stripe.events.list({ limit: 101 })).rejects.toMatchObject({ param: 'limit' });
  });
});
