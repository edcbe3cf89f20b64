/**
 * The Stripe fake's objects and their lifecycle: customers, prices, checkout
 * sessions, subscriptions, invoices, payment intents, charges, disputes and
 * the events each change emits. Objects are plain JSON in Stripe's shapes
 * (`object`, prefixed `id`, `created` in unix seconds, `livemode: false`);
 * the HTTP routes (../stripe.ts) and the test API both drive them through
 * here, so an event is emitted the same way whichever side caused it.
 */
export type StripeObject = Record<string, unknown> & { id: string; object: string };

export interface PriceConfig {
  id: string;
  /** Smallest currency unit (cents). */
  unitAmount: number;
  currency?: string;
  /** Absent for one-time prices (credit packs). */
  interval?: 'month' | 'year';
  nickname?: string;
  lookupKey?: string;
  metadata?: Record<string, string>;
}

export interface StoreHooks {
  nowSeconds(): number;
  /** Called once per new event, with the exact JSON body that will be delivered. */
  emitted(event: StripeObject, body: string): void;
}

const DAY = 86_400;

/** Adds whole months (or years) to a unix time, as Stripe's billing anchors do. */
export function addPeriod(start: number, interval: 'month' | 'year'): number {
  const date = new Date(start * 1000);
  if (interval === 'year') date.setUTCFullYear(date.getUTCFullYear() + 1);
  else date.setUTCMonth(date.getUTCMonth() + 1);
  return Math.floor(date.getTime() / 1000);
}

export class StripeStore {
  readonly customers = new Map<string, StripeObject>();
  readonly prices = new Map<string, StripeObject>();
  readonly sessions = new Map<string, StripeObject>();
  readonly portalSessions = new Map<string, StripeObject>();
  readonly subscriptions = new Map<string, StripeObject>();
  readonly invoices = new Map<string, StripeObject>();
  readonly paymentIntents = new Map<string, StripeObject>();
  readonly charges = new Map<string, StripeObject>();
  readonly disputes = new Map<string, StripeObject>();
  /** How invoices were paid (`/v1/invoice_payments`): since API 2025-03-31 an invoice names no charge. */
  readonly invoicePayments = new Map<string, StripeObject>();
  /** Oldest first; the API lists them newest first. */
  readonly events: StripeObject[] = [];
  private readonly counters = new Map<string, number>();

  constructor(
    private readonly hooks: StoreHooks,
    prices: readonly PriceConfig[],
  ) {
    for (const p of prices) {
      this.prices.set(p.id, {
        id: p.id,
        object: 'price',
        active: true,
        billing_scheme: 'per_unit',
        created: hooks.nowSeconds(),
        currency: p.currency ?? 'usd',
        livemode: false,
        lookup_key: p.lookupKey ?? null,
        metadata: p.metadata ?? {},
        nickname: p.nickname ?? null,
        product: `prod_${p.id.replace(/^price_/, '')}`,
        recurring: p.interval
          ? { interval: p.interval, interval_count: 1, usage_type: 'licensed', meter: null }
          : null,
        tax_behavior: 'unspecified',
        type: p.interval ? 'recurring' : 'one_time',
        unit_amount: p.unitAmount,
        unit_amount_decimal: String(p.unitAmount),
      });
    }
  }

  now(): number {
    return this.hooks.nowSeconds();
  }

  /** `cus_Fake000001`, `cs_test_Fake000001`, …: Stripe's prefixes, deterministic per fake. */
  id(prefix: string): string {
    const next = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, next);
    return `${prefix}_Fake${String(next).padStart(6, '0')}`;
  }

  base(prefix: string, object: string): StripeObject {
    return { id: this.id(prefix), object, created: this.now(), livemode: false };
  }

  emit(type: string, object: StripeObject, previous?: Record<string, unknown>): StripeObject {
    const event: StripeObject = {
      ...this.base('evt', 'event'),
      api_version: '2026-10-28.endive',
      data: { object: structuredClone(object), ...(previous ? { previous_attributes: previous } : {}) },
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
    this.events.push(event);
    this.hooks.emitted(event, JSON.stringify(event, null, 2));
    return event;
  }

  /* ---------------------------------------------------------- Payments */

  /** A succeeded PaymentIntent with its charge (what a paid pack or invoice leaves behind). */
  pay(customer: string, amount: number, currency: string, metadata: Record<string, string>) {
    const intent = this.base('pi', 'payment_intent');
    const charge: StripeObject = {
      ...this.base('ch', 'charge'),
      amount,
      amount_captured: amount,
      amount_refunded: 0,
      captured: true,
      currency,
      customer,
      disputed: false,
      metadata,
      paid: true,
      payment_intent: intent.id,
      receipt_url: `https://pay.stripe.com/receipts/fake/${intent.id}`,
      refunded: false,
      status: 'succeeded',
    };
    Object.assign(intent, {
      amount,
      amount_received: amount,
      currency,
      customer,
      latest_charge: charge.id,
      metadata,
      status: 'succeeded',
    });
    this.paymentIntents.set(intent.id, intent);
    this.charges.set(charge.id, charge);
    this.emit('payment_intent.succeeded', intent);
    this.emit('charge.succeeded', charge);
    return { intent, charge };
  }

  refund(chargeId: string, amount?: number): StripeObject {
    const charge = this.charges.get(chargeId);
    if (!charge) throw new Error(`no such charge ${chargeId}`);
    const previous = { amount_refunded: charge.amount_refunded, refunded: charge.refunded };
    const refunded = Math.min(
      Number(charge.amount),
      Number(charge.amount_refunded) + (amount ?? Number(charge.amount)),
    );
    Object.assign(charge, { amount_refunded: refunded, refunded: refunded === charge.amount });
    this.emit('charge.refunded', charge, previous);
    return charge;
  }

  dispute(chargeId: string): StripeObject {
    const charge = this.charges.get(chargeId);
    if (!charge) throw new Error(`no such charge ${chargeId}`);
    charge.disputed = true;
    const dispute: StripeObject = {
      ...this.base('dp', 'dispute'),
      amount: charge.amount,
      charge: charge.id,
      currency: charge.currency,
      payment_intent: charge.payment_intent,
      reason: 'fraudulent',
      status: 'needs_response',
    };
    this.disputes.set(dispute.id, dispute);
    this.emit('charge.dispute.created', dispute);
    return dispute;
  }

  /* ----------------------------------------------------- Subscriptions */

  private price(sub: StripeObject): StripeObject {
    const items = (sub.items as { data: StripeObject[] }).data;
    return items[0]!.price as StripeObject;
  }

  private setPeriod(sub: StripeObject, start: number, end: number): void {
    Object.assign(sub, { current_period_start: start, current_period_end: end });
    for (const item of (sub.items as { data: StripeObject[] }).data) {
      Object.assign(item, { current_period_start: start, current_period_end: end });
    }
  }

  item(price: StripeObject, subscription: string): StripeObject {
    return {
      ...this.base('si', 'subscription_item'),
      metadata: {},
      price,
      quantity: 1,
      subscription,
    };
  }

  /** A paid invoice for the subscription's current period. */
  invoice(sub: StripeObject, reason: string, paid: boolean): StripeObject {
    const price = this.price(sub);
    const amount = Number(price.unit_amount);
    const start = Number(sub.current_period_start);
    const end = Number(sub.current_period_end);
    const invoice: StripeObject = {
      ...this.base('in', 'invoice'),
      amount_due: amount,
      amount_paid: 0,
      amount_remaining: amount,
      attempt_count: 1,
      billing_reason: reason,
      currency: price.currency,
      customer: sub.customer,
      hosted_invoice_url: null,
      invoice_pdf: null,
      lines: {
        object: 'list',
        data: [
          {
            id: this.id('il'),
            object: 'line_item',
            amount,
            currency: price.currency,
            period: { start, end },
            pricing: { price_details: { price: price.id, product: price.product } },
            price,
            quantity: 1,
          },
        ],
        has_more: false,
        url: '/v1/invoices/lines',
      },
      parent: {
        type: 'subscription_details',
        subscription_details: { subscription: sub.id, metadata: sub.metadata },
      },
      period_start: start,
      period_end: end,
      status: 'open',
    };
    invoice.hosted_invoice_url = `https://invoice.stripe.com/i/fake/${invoice.id}`;
    invoice.invoice_pdf = `https://pay.stripe.com/invoice/fake/${invoice.id}/pdf`;
    this.invoices.set(invoice.id, invoice);
    sub.latest_invoice = invoice.id;
    this.emit('invoice.created', invoice);
    if (paid) {
      const { intent } = this.pay(String(sub.customer), amount, String(price.currency), {});
      Object.assign(invoice, { amount_paid: amount, amount_remaining: 0, status: 'paid' });
      const payment: StripeObject = {
        ...this.base('inpay', 'invoice_payment'),
        amount_paid: amount,
        amount_requested: amount,
        currency: price.currency,
        invoice: invoice.id,
        is_default: true,
        payment: { type: 'payment_intent', payment_intent: intent.id },
        status: 'paid',
      };
      this.invoicePayments.set(payment.id, payment);
      this.emit('invoice.paid', invoice);
      this.emit('invoice.payment_succeeded', invoice);
    } else {
      invoice.next_payment_attempt = this.now() + 3 * DAY;
      this.emit('invoice.payment_failed', invoice);
    }
    return invoice;
  }

  createSubscription(customer: string, price: StripeObject, metadata: Record<string, string>): StripeObject {
    const sub: StripeObject = {
      ...this.base('sub', 'subscription'),
      cancel_at: null,
      cancel_at_period_end: false,
      canceled_at: null,
      currency: price.currency,
      customer,
      ended_at: null,
      items: { object: 'list', data: [], has_more: false, url: '/v1/subscription_items' },
      latest_invoice: null,
      metadata,
      start_date: this.now(),
      status: 'active',
    };
    (sub.items as { data: StripeObject[] }).data.push(this.item(price, sub.id));
    const interval = (price.recurring as { interval: 'month' | 'year' }).interval;
    this.setPeriod(sub, this.now(), addPeriod(this.now(), interval));
    this.subscriptions.set(sub.id, sub);
    this.emit('customer.subscription.created', sub);
    this.invoice(sub, 'subscription_create', true);
    return sub;
  }

  /** Applies an update and emits `customer.subscription.updated` with what changed. */
  update(sub: StripeObject, change: (sub: StripeObject) => void): StripeObject {
    const before = structuredClone(sub);
    change(sub);
    const previous: Record<string, unknown> = {};
    for (const key of Object.keys(sub)) {
      if (JSON.stringify(before[key]) !== JSON.stringify(sub[key])) previous[key] = before[key];
    }
    if (Object.keys(previous).length > 0) this.emit('customer.subscription.updated', sub, previous);
    return sub;
  }

  /** The next period begins: a new invoice, paid or failed. */
  renew(subId: string, paid: boolean): StripeObject {
    const sub = this.subscriptionOrThrow(subId);
    const interval = (this.price(sub).recurring as { interval: 'month' | 'year' }).interval;
    const start = Number(sub.current_period_end);
    this.update(sub, (s) => {
      this.setPeriod(s, start, addPeriod(start, interval));
      if (!paid) s.status = 'past_due';
      else s.status = 'active';
    });
    return this.invoice(sub, 'subscription_cycle', paid);
  }

  end(subId: string): StripeObject {
    const sub = this.subscriptionOrThrow(subId);
    Object.assign(sub, {
      status: 'canceled',
      canceled_at: sub.canceled_at ?? this.now(),
      ended_at: this.now(),
    });
    this.emit('customer.subscription.deleted', sub);
    return sub;
  }

  subscriptionOrThrow(id: string): StripeObject {
    const sub = this.subscriptions.get(id);
    if (!sub) throw new Error(`no such subscription ${id}`);
    return sub;
  }

  /* --------------------------------------------------------- Checkout */

  /** Completes an open session: payment for packs, subscription + first invoice for plans. */
  complete(sessionId: string): StripeObject {
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error(`no such checkout session ${sessionId}`);
    if (session.status !== 'open') return session;
    let customer = session.customer as string | null;
    if (!customer) {
      const created: StripeObject = {
        ...this.base('cus', 'customer'),
        email: session.customer_email ?? null,
        metadata: {},
        name: null,
      };
      this.customers.set(created.id, created);
      this.emit('customer.created', created);
      customer = created.id;
    }
    const lines = session.line_items_raw as { price: StripeObject; quantity: number }[];
    const metadata = session.metadata as Record<string, string>;
    if (session.mode === 'subscription') {
      const sub = this.createSubscription(
        customer,
        lines[0]!.price,
        session.subscription_metadata as Record<string, string>,
      );
      Object.assign(session, { subscription: sub.id, invoice: sub.latest_invoice });
    } else {
      const { intent } = this.pay(customer, Number(session.amount_total), String(session.currency), metadata);
      session.payment_intent = intent.id;
    }
    Object.assign(session, { customer, status: 'complete', payment_status: 'paid', url: null });
    this.emit('checkout.session.completed', this.publicSession(session));
    return session;
  }

  /** The session without the fake's own bookkeeping fields. */
  publicSession(session: StripeObject): StripeObject {
    const { line_items_raw: _lines, subscription_metadata: _meta, ...rest } = session;
    return rest;
  }
}
