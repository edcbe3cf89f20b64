/**
 * Billing (decision 020): the member's Stripe customer, our own record of
 * each checkout (the order, created before Stripe hears of it, so every
 * Stripe POST can carry an idempotency key derived from it), the webhook
 * inbox that makes each Stripe event take effect exactly once, the
 * subscription and invoice state mirrored from Stripe, and the notices
 * members get when credits are taken back.
 *
 * Credits themselves live in the ledger: a paid order or invoice becomes one
 * grant whose `source_ref` is unique (L5), so a second grant for the same
 * payment is refused by the database whatever the code does.
 */
import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { users } from './auth';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** One Stripe customer per member, created once (idempotency key `customer:<userId>`). */
export const billingCustomers = pgTable('billing_customers', {
  userId: text('user_id')
    .primaryKey()
    .references(() => users.id),
  stripeCustomerId: text('stripe_customer_id').notNull().unique(),
  createdAt: at('created_at').notNull().defaultNow(),
});

export const billingItemKinds = ['pack', 'plan'] as const;
export type BillingItemKindColumn = (typeof billingItemKinds)[number];

export const orderStatuses = ['open', 'processing', 'paid', 'failed', 'expired'] as const;
export type OrderStatusColumn = (typeof orderStatuses)[number];

/**
 * A checkout the member started. Packs are credited from it (once, keyed by
 * the Checkout Session id); a plan's order only records the start of the
 * subscription, whose credits come with each paid invoice.
 */
export const billingOrders = pgTable(
  'billing_orders',
  {
    id: uuid('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    kind: text('kind', { enum: billingItemKinds }).notNull(),
    itemId: text('item_id').notNull(),
    priceId: text('price_id').notNull(),
    /** Pack credits, or the plan's allowance per period, as sold at checkout time. */
    credits: integer('credits').notNull(),
    status: text('status', { enum: orderStatuses }).notNull().default('open'),
    checkoutSessionId: text('checkout_session_id').unique(),
    paymentIntentId: text('payment_intent_id').unique(),
    subscriptionId: text('subscription_id'),
    amountTotal: integer('amount_total'),
    currency: text('currency'),
    /** Credits taken back after refunds and disputes, and the part that could not be (already spent). */
    creditsClawedBack: integer('credits_clawed_back').notNull().default(0),
    creditsUnrecovered: integer('credits_unrecovered').notNull().default(0),
    createdAt: at('created_at').notNull().defaultNow(),
    paidAt: at('paid_at'),
  },
  (t) => [
    index('billing_orders_user_created_idx').on(t.userId, t.createdAt.desc()),
    check('billing_orders_credits_positive', sql`${t.credits} > 0`),
    check(
      'billing_orders_clawback_bounded',
      sql`${t.creditsClawedBack} >= 0 AND ${t.creditsUnrecovered} >= 0 AND ${t.creditsClawedBack} + ${t.creditsUnrecovered} <= ${t.credits}`,
    ),
  ],
);

/**
 * Where an inbox row stands: `received` (stored, its job not yet run),
 * `applied` (its effect committed with this status), `ignored` (a type the
 * platform does not act on), `flagged` (stored but not applied: an unknown
 * customer, price or session, for an admin to look at), `deferred` (waits
 * for an earlier event of the same payment, e.g. a refund seen before the
 * purchase).
 */
export const stripeEventStatuses = ['received', 'applied', 'ignored', 'flagged', 'deferred'] as const;
export type StripeEventStatus = (typeof stripeEventStatuses)[number];

/** The webhook inbox (decision 020): one row per Stripe event id, written before 2xx is answered. */
export const stripeEvents = pgTable(
  'stripe_events',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    /** Stripe's `created` (when the event happened, not when it reached us). */
    createdAt: at('created_at').notNull(),
    livemode: boolean('livemode').notNull(),
    payload: jsonb('payload').notNull(),
    /** The id of the object the event is about (`data.object.id`), for finding a payment's events. */
    objectId: text('object_id'),
    /** `webhook`, or `reconciler` for an event it found through List Events. */
    source: text('source', { enum: ['webhook', 'reconciler'] }).notNull(),
    status: text('status', { enum: stripeEventStatuses }).notNull().default('received'),
    /** Why it was flagged, deferred or ignored, or what applying it did. */
    note: text('note'),
    /** A deferred event waits on this (e.g. `pi:<payment intent id>`). */
    deferKey: text('defer_key'),
    receivedAt: at('received_at').notNull().defaultNow(),
    appliedAt: at('applied_at'),
  },
  (t) => [
    index('stripe_events_status_received_idx').on(t.status, t.receivedAt),
    index('stripe_events_object_idx').on(t.objectId),
    index('stripe_events_defer_idx')
      .on(t.deferKey)
      .where(sql`${t.status} = 'deferred'`),
  ],
);

/** A subscription as Stripe's API last showed it (fetched, not taken from the event, so order never matters). */
export const billingSubscriptions = pgTable(
  'billing_subscriptions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    customerId: text('customer_id').notNull(),
    /** Our plan for its price, or null for a price the catalog does not know (flagged). */
    planId: text('plan_id'),
    priceId: text('price_id').notNull(),
    status: text('status').notNull(),
    currentPeriodStart: at('current_period_start'),
    currentPeriodEnd: at('current_period_end'),
    cancelAtPeriodEnd: boolean('cancel_at_period_end').notNull().default(false),
    endedAt: at('ended_at'),
    /** When the fetch this row reflects began: an older fetch never overwrites a newer one. */
    fetchedAt: at('fetched_at').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [index('billing_subscriptions_user_idx').on(t.userId, t.createdAt.desc())],
);

/** Subscription invoices: what each period cost and the allowance it granted. */
export const billingInvoices = pgTable(
  'billing_invoices',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    subscriptionId: text('subscription_id').notNull(),
    status: text('status').notNull(),
    amountPaid: integer('amount_paid').notNull().default(0),
    currency: text('currency').notNull(),
    periodStart: at('period_start'),
    periodEnd: at('period_end'),
    /** What paid it (from Stripe's invoice payments): refunds and disputes name it. */
    paymentIntentId: text('payment_intent_id').unique(),
    /** API versions before 2025-03-31 name the charge on the invoice itself. */
    chargeId: text('charge_id').unique(),
    creditsGranted: integer('credits_granted').notNull().default(0),
    creditsClawedBack: integer('credits_clawed_back').notNull().default(0),
    creditsUnrecovered: integer('credits_unrecovered').notNull().default(0),
    hostedInvoiceUrl: text('hosted_invoice_url'),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('billing_invoices_user_created_idx').on(t.userId, t.createdAt.desc()),
    check(
      'billing_invoices_clawback_bounded',
      sql`${t.creditsClawedBack} >= 0 AND ${t.creditsUnrecovered} >= 0 AND ${t.creditsClawedBack} + ${t.creditsUnrecovered} <= ${t.creditsGranted}`,
    ),
  ],
);

export const billingNoticeKinds = ['clawback', 'dispute', 'payment_failed'] as const;
export type BillingNoticeKindColumn = (typeof billingNoticeKinds)[number];

/** What members are told about their money, once per cause (unique kind + ref). */
export const billingNotices = pgTable(
  'billing_notices',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    kind: text('kind', { enum: billingNoticeKinds }).notNull(),
    /** What it is about, e.g. a refund's `<charge id>:<amount refunded>` or a dispute id. */
    ref: text('ref').notNull(),
    credits: integer('credits'),
    unrecovered: integer('unrecovered'),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('billing_notices_kind_ref_idx').on(t.kind, t.ref),
    index('billing_notices_user_idx').on(t.userId, t.createdAt.desc()),
  ],
);
