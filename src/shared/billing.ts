/**
 * What the billing API answers (src/server/billing/routes.ts) and the
 * billing pages read. Times are ISO strings; money is in the currency's
 * smallest unit (cents), as Stripe counts it.
 */

export type BillingItemKind = 'pack' | 'plan';
export type PlanInterval = 'month' | 'year';

export interface BillingPack {
  id: string;
  kind: 'pack';
  credits: number;
  /** Display price in minor units (the charge itself is Stripe's price). */
  amount: number;
  currency: string;
  /** False when no Stripe price id is configured for it: shown, not sold. */
  purchasable: boolean;
}

export interface BillingPlan {
  id: string;
  kind: 'plan';
  /** Plans of one tier share a tier id; monthly and yearly are two plans of one tier. */
  tier: string;
  interval: PlanInterval;
  /** Credits granted at the start of each paid period, expiring at its end. */
  creditsPerPeriod: number;
  amount: number;
  currency: string;
  purchasable: boolean;
}

export interface ModelPriceExample {
  modelId: string;
  name: { en: string; zh: string };
  provider: string;
  /** Credits per image at the model's smallest size tier. */
  credits: number;
}

export interface BillingCatalogView {
  /** False when STRIPE_SECRET_KEY / STRIPE_WEBHOOK_SECRET are not set: nothing can be bought. */
  enabled: boolean;
  packs: BillingPack[];
  plans: BillingPlan[];
  /** What an image costs on a few enabled models, cheapest first. */
  examples: ModelPriceExample[];
}

export type OrderStatus = 'open' | 'processing' | 'paid' | 'failed' | 'expired';

export interface BillingOrderView {
  id: string;
  kind: BillingItemKind;
  itemId: string;
  status: OrderStatus;
  /** Pack credits, or the plan's allowance per period. */
  credits: number;
  /** Credits taken back after a refund or dispute. */
  creditsClawedBack: number;
  amount: number | null;
  currency: string | null;
  createdAt: string;
  paidAt: string | null;
  /** GET this (same origin) to be redirected to Stripe's receipt; null until paid. */
  receiptPath: string | null;
}

export type SubscriptionStatus =
  'incomplete' | 'incomplete_expired' | 'trialing' | 'active' | 'past_due' | 'canceled' | 'unpaid' | 'paused';

export interface BillingSubscriptionView {
  id: string;
  planId: string | null;
  status: SubscriptionStatus;
  /** True while the member has the plan: active, trialing, or past due while Stripe retries. */
  hasAccess: boolean;
  currentPeriodStart: string | null;
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  endedAt: string | null;
}

export interface BillingInvoiceView {
  id: string;
  status: string;
  amountPaid: number;
  currency: string;
  periodStart: string | null;
  periodEnd: string | null;
  /** Credits granted for this invoice's period (0 before it is paid). */
  creditsGranted: number;
  /** Stripe's hosted invoice page (receipt). */
  hostedInvoiceUrl: string | null;
  createdAt: string;
}

export type BillingNoticeKind = 'clawback' | 'dispute' | 'payment_failed';

export interface BillingNoticeView {
  id: string;
  kind: BillingNoticeKind;
  /** Credits taken back (claw-backs), or null. */
  credits: number | null;
  /** Credits that could not be taken back because they were already spent. */
  unrecovered: number | null;
  createdAt: string;
}

export interface BillingOverview {
  enabled: boolean;
  /** The member's current subscription (the newest one), or null. */
  subscription: BillingSubscriptionView | null;
  orders: BillingOrderView[];
  invoices: BillingInvoiceView[];
  notices: BillingNoticeView[];
}

export interface CheckoutResponse {
  orderId: string;
  /** Stripe's hosted checkout page: send the browser there. */
  url: string;
}

export interface PortalResponse {
  url: string;
}

/** GET /api/billing/orders/:id: what the success page polls until the credits have arrived. */
export interface OrderStatusResponse {
  order: BillingOrderView;
  /** For plans: the subscription the order started, once known. */
  subscription: BillingSubscriptionView | null;
}

/** GET /api/admin/billing/events: a Stripe event an admin should look at (decision 020). */
export interface AdminStripeEvent {
  id: string;
  type: string;
  status: 'received' | 'applied' | 'ignored' | 'flagged' | 'deferred';
  note: string | null;
  source: 'webhook' | 'reconciler';
  objectId: string | null;
  createdAt: string;
  receivedAt: string;
}
