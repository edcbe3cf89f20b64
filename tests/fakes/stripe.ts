/**
 * A fake of the Stripe API for billing tests (issue 5 part 6, reliability
 * §3.2 S1–S9, architecture decision 8). It speaks Stripe's REST protocol —
 * `Authorization: Bearer sk_test_…`, form-encoded bodies in bracket notation,
 * JSON objects in Stripe's shapes, `{error:{…}}` failures, Idempotency-Key
 * replay — closely enough for the real `stripe` package to run against it
 * (`new Stripe(key, { host: '127.0.0.1', port, protocol: 'http' })`).
 *
 * It serves the endpoints the platform calls (customers, checkout sessions,
 * billing portal sessions, subscriptions, prices, invoices, events), a hosted
 * checkout page with a Pay form a browser can submit, signed webhook
 * deliveries (stripe/webhooks.ts) and a test API to drive the lifecycle and
 * the clock. Objects and events live in stripe/store.ts, the wire format in
 * stripe/form.ts, the REST routes in stripe/routes.ts and the hosted pages in
 * stripe/hosted.ts; this file adds auth, idempotency keys, faults and the
 * test API, which stripe/control.ts also serves over HTTP under
 * `/__control/` for tests in another process (the e2e journeys).
 */
import { startFakeServer, type FakeServer } from './fake-server';
import { serveControl } from './stripe/control';
import { canonical, parseForm, sendStripeError, StripeFakeError } from './stripe/form';
import { serveHostedPage } from './stripe/hosted';
import { apiRoutes, type Answer } from './stripe/routes';
import { StripeStore, type PriceConfig, type StripeObject } from './stripe/store';
import { WebhookSender, type SendOptions, type StripeDelivery } from './stripe/webhooks';

export type { PriceConfig, StripeObject } from './stripe/store';
export type { ReleaseOptions, SignatureTamper, StripeDelivery } from './stripe/webhooks';
export { stripeSignature } from './stripe/webhooks';

export interface StripeFakeOptions {
  secretKey?: string;
  /** The `whsec_…` secret webhook deliveries are signed with. */
  webhookSecret?: string;
  /** Where events are POSTed; none by default (settable later with `setWebhookEndpoint`). */
  webhookUrl?: string;
  /** The catalog; a pack, a monthly and a yearly plan by default. */
  prices?: readonly PriceConfig[];
  /**
   * The wall clock (the real one by default). Objects and events are dated by
   * it plus `advanceTime`; webhook signatures by it alone.
   */
  now?: () => Date;
}

export interface StripeFake extends FakeServer {
  readonly secretKey: string;
  readonly webhookSecret: string;
  /** Host, port and protocol for `new Stripe(key, { …fake.clientOptions })`. */
  readonly clientOptions: { host: string; port: number; protocol: 'http' };
  readonly store: StripeStore;
  /** Delivery control: `hold`, `release()`, `deliveries`, `maxAttempts`, `retryBaseMs`. */
  readonly webhooks: WebhookSender;
  setWebhookEndpoint(url: string | undefined): void;
  /** Sends an event again (a duplicate), optionally late or badly signed. */
  redeliver(eventId: string, options?: SendOptions): Promise<StripeDelivery>;
  webhooksSettled(): Promise<void>;
  /** The fake's clock in unix seconds. */
  nowSeconds(): number;
  /** Moves the clock; subscriptions whose period ended renew (or end, if set to cancel) on the way. */
  advanceTime(seconds: number): void;
  /** Pays an open session as the hosted page would; `async` leaves it unpaid until `settleAsyncPayment`. */
  completeCheckout(sessionId: string, options?: { async?: boolean }): StripeObject;
  /** Ends a delayed payment: `checkout.session.async_payment_succeeded` or `_failed`. */
  settleAsyncPayment(sessionId: string, succeeded: boolean): StripeObject;
  /** Starts the next period with a paid invoice; returns it. */
  renewSubscription(subId: string): StripeObject;
  /** Starts the next period with a failed invoice (`invoice.payment_failed`, status past_due). */
  failPayment(subId: string): StripeObject;
  cancelAtPeriodEnd(subId: string, cancel?: boolean): StripeObject;
  /** Ends the subscription now (`customer.subscription.deleted`). */
  endSubscription(subId: string): StripeObject;
  refundCharge(chargeId: string, amount?: number): StripeObject;
  dispute(chargeId: string): StripeObject;
}

const DAY = 86_400;
/** Stripe forgets idempotency keys after 24 hours. */
const IDEMPOTENCY_TTL = DAY;

export const defaultPrices: readonly PriceConfig[] = [
  { id: 'price_pack_100', unitAmount: 500, nickname: '100 credits', metadata: { credits: '100' } },
  { id: 'price_pack_500', unitAmount: 2000, nickname: '500 credits', metadata: { credits: '500' } },
  { id: 'price_pro_monthly', unitAmount: 1500, interval: 'month', metadata: { credits: '1000' } },
  { id: 'price_pro_yearly', unitAmount: 15000, interval: 'year', metadata: { credits: '1000' } },
];

interface Saved {
  method: string;
  path: string;
  params: string;
  status: number;
  body: string;
  at: number;
}

export async function startStripeFake(options: StripeFakeOptions = {}): Promise<StripeFake> {
  const secretKey = options.secretKey ?? 'sk_test_fake_stripe_key';
  const webhookSecret = options.webhookSecret ?? 'whsec_fake_stripe_webhook_secret';
  const realNow = options.now ?? (() => new Date());
  let offset = 0;
  const nowSeconds = () => Math.floor(realNow().getTime() / 1000) + offset;
  const idempotency = new Map<string, Saved>();

  const webhooks = new WebhookSender(webhookSecret, {
    // Signatures carry the wall clock, not the advanced one: the receiver checks them against its own clock.
    nowSeconds: () => Math.floor(realNow().getTime() / 1000),
    delivered: (eventId) => {
      const event = store.events.find((e) => e.id === eventId);
      if (event) event.pending_webhooks = 0;
    },
  });
  webhooks.endpoint = options.webhookUrl;
  const store = new StripeStore(
    {
      nowSeconds,
      emitted: (event, body) => {
        if (!webhooks.endpoint) event.pending_webhooks = 0;
        webhooks.emit({ id: event.id, type: String(event.type) }, body);
      },
    },
    options.prices ?? defaultPrices,
  );

  const routes = apiRoutes(store, () => server.origin);

  /* ------------------------------------------------------------ Handler */

  const server = await startFakeServer(async (request, res) => {
    if (serveHostedPage(store, request, res)) return;
    if (await serveControl(fake, request, res)) return;
    const fault = request.takeFault();
    if (await request.stall(fault)) return;
    if (fault?.kind === 'rate_limited') {
      sendStripeError(res, {
        status: 429,
        type: 'rate_limit_error',
        code: 'rate_limit',
        message: 'Too many requests made to the API too quickly.',
      });
      return;
    }
    if (fault && fault.kind === 'server_error' && fault.variant !== 'reset_after_processing') {
      sendStripeError(res, { status: 500, type: 'api_error', message: 'An unknown error occurred' });
      return;
    }
    const auth = request.headers.authorization;
    const key =
      typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
    if (key !== secretKey) {
      sendStripeError(res, {
        status: 401,
        type: 'invalid_request_error',
        code: 'api_key_invalid',
        message: key
          ? `Invalid API Key provided: ${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`
          : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      });
      return;
    }
    const contentType = String(request.headers['content-type'] ?? '');
    const hasBody = request.body.length > 0;
    if (hasBody && !contentType.startsWith('application/x-www-form-urlencoded')) {
      sendStripeError(res, {
        status: 400,
        type: 'invalid_request_error',
        message: `Invalid request: unsupported Content-Type ${contentType}. If error persists and you need assistance, please contact support.`,
      });
      return;
    }
    const params = parseForm(hasBody ? request.body.toString('utf8') : request.url.search.slice(1));
    const idempotencyKey = request.headers['idempotency-key'];
    const idemKey =
      typeof idempotencyKey === 'string' && request.method !== 'GET' ? idempotencyKey : undefined;
    if (idemKey) {
      const saved = idempotency.get(idemKey);
      if (saved && saved.at + IDEMPOTENCY_TTL <= nowSeconds()) idempotency.delete(idemKey);
      else if (saved) {
        if (
          saved.method !== request.method ||
          saved.path !== request.path ||
          saved.params !== canonical(params)
        ) {
          sendStripeError(res, {
            status: 400,
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idemKey}' if you meant to execute a different request.`,
          });
        } else {
          res.writeHead(saved.status, {
            'content-type': 'application/json',
            'idempotency-key': idemKey,
            'idempotent-replayed': 'true',
          });
          res.end(saved.body);
        }
        return;
      }
    }
    let answer: Answer;
    try {
      const route = routes.find(
        ([method, pattern]) => method === request.method && pattern.test(request.path),
      );
      if (!route) {
        throw new StripeFakeError({
          status: 404,
          type: 'invalid_request_error',
          message: `Unrecognized request URL (${request.method}: ${request.path}).`,
        });
      }
      const match = route[1].exec(request.path)!.slice(1).map(decodeURIComponent);
      const result = route[2](params, match);
      answer = 'object' in result ? { status: 200, body: result } : result;
    } catch (error) {
      if (!(error instanceof StripeFakeError)) throw error;
      const { status, ...rest } = error.body;
      answer = { status, body: { error: rest } };
    }
    const text = JSON.stringify(answer.body, null, 2);
    // Stripe keeps the result of any request that began executing, errors included.
    if (idemKey) {
      idempotency.set(idemKey, {
        method: request.method,
        path: request.path,
        params: canonical(params),
        status: answer.status,
        body: text,
        at: nowSeconds(),
      });
    }
    if (fault?.variant === 'reset_after_processing') {
      res.destroy();
      return;
    }
    res.writeHead(answer.status, {
      'content-type': 'application/json',
      'request-id': `req_${store.id('req').slice(4)}`,
      ...(idemKey ? { 'idempotency-key': idemKey } : {}),
    });
    res.end(text);
  });

  /* ----------------------------------------------------------- Test API */

  const openSession = (id: string) => {
    const session = store.sessions.get(id);
    if (!session) throw new Error(`no such checkout session ${id}`);
    return session;
  };

  const fake: StripeFake = Object.assign(server, {
    secretKey,
    webhookSecret,
    clientOptions: {
      host: '127.0.0.1',
      port: Number(new URL(server.origin).port),
      protocol: 'http' as const,
    },
    store,
    webhooks,
    setWebhookEndpoint(url: string | undefined) {
      webhooks.endpoint = url;
    },
    redeliver(eventId: string, sendOptions?: SendOptions) {
      const event = store.events.find((e) => e.id === eventId);
      if (!event) throw new Error(`no such event ${eventId}`);
      return webhooks.send(event.id, String(event.type), JSON.stringify(event, null, 2), sendOptions);
    },
    webhooksSettled: () => webhooks.settled(),
    nowSeconds,
    advanceTime(seconds: number) {
      const target = nowSeconds() + seconds;
      // Walk period ends in order, so a long jump renews each period once, like Stripe's billing clock.
      for (;;) {
        const due = [...store.subscriptions.values()]
          .filter((s) => s.status !== 'canceled' && Number(s.current_period_end) <= target)
          .sort((a, b) => Number(a.current_period_end) - Number(b.current_period_end))[0];
        if (!due) break;
        offset += Math.max(0, Number(due.current_period_end) - nowSeconds());
        if (due.cancel_at_period_end) store.end(due.id);
        else store.renew(due.id, true);
      }
      offset += target - nowSeconds();
    },
    completeCheckout(sessionId: string, completeOptions: { async?: boolean } = {}) {
      const session = openSession(sessionId);
      if (!completeOptions.async || session.mode !== 'payment')
        return store.publicSession(store.complete(sessionId));
      if (session.status !== 'open') return store.publicSession(session);
      Object.assign(session, { status: 'complete', payment_status: 'unpaid', url: null });
      if (!session.customer) {
        const customer: StripeObject = {
          ...store.base('cus', 'customer'),
          email: session.customer_email,
          metadata: {},
          name: null,
        };
        store.customers.set(customer.id, customer);
        session.customer = customer.id;
      }
      store.emit('checkout.session.completed', store.publicSession(session));
      return store.publicSession(session);
    },
    settleAsyncPayment(sessionId: string, succeeded: boolean) {
      const session = openSession(sessionId);
      if (session.payment_status !== 'unpaid' || session.status !== 'complete') {
        throw new Error(`session ${sessionId} is not waiting for a delayed payment`);
      }
      if (succeeded) {
        const { intent } = store.pay(
          String(session.customer),
          Number(session.amount_total),
          String(session.currency),
          session.metadata as Record<string, string>,
        );
        Object.assign(session, { payment_status: 'paid', payment_intent: intent.id });
        store.emit('checkout.session.async_payment_succeeded', store.publicSession(session));
      } else {
        store.emit('checkout.session.async_payment_failed', store.publicSession(session));
      }
      return store.publicSession(session);
    },
    renewSubscription: (subId: string) => store.renew(subId, true),
    failPayment: (subId: string) => store.renew(subId, false),
    cancelAtPeriodEnd(subId: string, cancel = true) {
      const sub = store.subscriptionOrThrow(subId);
      return store.update(sub, (s) =>
        Object.assign(s, {
          cancel_at_period_end: cancel,
          cancel_at: cancel ? s.current_period_end : null,
          canceled_at: cancel ? store.now() : null,
        }),
      );
    },
    endSubscription: (subId: string) => store.end(subId),
    refundCharge: (chargeId: string, amount?: number) => store.refund(chargeId, amount),
    dispute: (chargeId: string) => store.dispute(chargeId),
  });
  const close = server.close.bind(server);
  fake.close = async () => {
    webhooks.stop();
    await close();
  };
  return fake;
}
