/**
 * The billing API (issue 5):
 *   GET  /api/billing/catalog                 packs, plans, model prices (public)
 *   GET  /api/billing                         the member's plan, orders, invoices, notices
 *   POST /api/billing/checkout {itemId,lang}  -> { orderId, url } (Stripe Checkout)
 *   GET  /api/billing/orders/:id              the order's state (the success page polls it)
 *   GET  /api/billing/orders/:id/receipt      302 to Stripe's receipt
 *   POST /api/billing/subscription/cancel|resume|change {planId}
 *   POST /api/billing/portal {lang}           -> { url } (Stripe Billing Portal)
 * and the webhook, POST /api/webhooks/stripe: no session and no CSRF check
 * (the signature is the authentication), the raw body untouched.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { Locale } from '../../i18n';
import { isLocale } from '../../i18n/server';
import { requireUser } from '../auth/require-user';
import { isAppError } from '../errors';
import { requestLog } from '../http/request-log';
import type { AppDeps, AppEnv } from '../http/context';
import { parseJsonBody } from '../http/errors';
import { enforceRateLimit, type RateLimitRule } from '../http/rate-limit';
import {
  billingOverview,
  catalogView,
  changeSubscription,
  orderStatus,
  portalUrl,
  receiptUrl,
} from './account';
import { startCheckout } from './checkout';
import { receiveStripeWebhook } from './webhook-receiver';

/**
 * Checkouts one member may start per hour: each creates an order and a
 * Stripe session (an API call on the operator's account), and nobody buys
 * thirty times an hour.
 */
const checkoutRule: RateLimitRule = { name: 'checkout:user', max: 30, windowSeconds: 3600 };

const lang = z
  .string()
  .default('en')
  .transform((value): Locale => (isLocale(value) ? value : 'en'));
const checkoutBody = z.object({ itemId: z.string().min(1).max(60), lang });
const changeBody = z.object({ planId: z.string().min(1).max(60) });
const portalBody = z.object({ lang });

export function billingRoutes(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  const billing = deps.billing;

  app.get('/catalog', async (c) => c.json(await catalogView(billing)));

  app.get('/', async (c) => {
    const user = await requireUser(deps, c);
    return c.json(await billingOverview(billing, user.id));
  });

  app.post('/checkout', async (c) => {
    const user = await requireUser(deps, c);
    const body = await parseJsonBody(c, checkoutBody);
    await enforceRateLimit(deps.database.db, checkoutRule, user.id, deps.now());
    return c.json(await startCheckout(billing, { userId: user.id, itemId: body.itemId, lang: body.lang }));
  });

  app.get('/orders/:id', async (c) => {
    const user = await requireUser(deps, c);
    return c.json(await orderStatus(billing, user.id, c.req.param('id')));
  });

  app.get('/orders/:id/receipt', async (c) => {
    const user = await requireUser(deps, c);
    return c.redirect(await receiptUrl(billing, user.id, c.req.param('id')), 302);
  });

  app.post('/subscription/cancel', async (c) => {
    const user = await requireUser(deps, c);
    return c.json(await changeSubscription(billing, user.id, { action: 'cancel' }));
  });
  app.post('/subscription/resume', async (c) => {
    const user = await requireUser(deps, c);
    return c.json(await changeSubscription(billing, user.id, { action: 'resume' }));
  });
  app.post('/subscription/change', async (c) => {
    const user = await requireUser(deps, c);
    const body = await parseJsonBody(c, changeBody);
    return c.json(await changeSubscription(billing, user.id, { action: 'change', planId: body.planId }));
  });

  app.post('/portal', async (c) => {
    const user = await requireUser(deps, c);
    const body = await parseJsonBody(c, portalBody);
    return c.json({ url: await portalUrl(billing, user.id, body.lang) });
  });

  return app;
}

export function stripeWebhookRoute(deps: AppDeps) {
  const app = new Hono<AppEnv>();
  app.post('/', async (c) => {
    try {
      const outcome = await receiveStripeWebhook(
        deps.billing,
        new Uint8Array(await c.req.arrayBuffer()),
        c.req.header('stripe-signature'),
      );
      return c.json({ received: true, duplicate: outcome.duplicate });
    } catch (error) {
      // Why a delivery was refused (too old, from the future, wrong secret) is what an operator
      // needs when every delivery starts failing: a skewed clock or a rotated secret.
      if (isAppError(error) && error.code === 'invalid_signature') {
        requestLog(c).warn({ reason: error.message }, 'stripe webhook refused');
      }
      throw error;
    }
  });
  return app;
}
