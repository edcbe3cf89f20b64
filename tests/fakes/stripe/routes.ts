/**
 * The Stripe fake's REST routes: each takes the decoded form params (body or
 * query string) and the path's captures, and returns a Stripe object, a list
 * envelope, or throws a StripeFakeError. Auth, idempotency and faults are
 * handled before a route runs (../stripe.ts), so routes are plain functions
 * of the store.
 */
import { invalid, missing, noSuch, objects, str, strings, StripeFakeError, type FormObject } from './form';
import type { StripeObject, StripeStore } from './store';

export type Answer = { status: number; body: unknown };
export type Route = (params: FormObject, match: string[]) => Answer | StripeObject;

const DAY = 86_400;

/** The line items of a checkout session as `GET …/line_items` shows them. */
export function sessionLineItems(session: StripeObject) {
  return (session.line_items_raw as { price: StripeObject; quantity: number }[]).map((l, i) => ({
    id: `li_${session.id.slice('cs_test_'.length)}_${i}`,
    object: 'item',
    amount_subtotal: Number(l.price.unit_amount) * l.quantity,
    amount_total: Number(l.price.unit_amount) * l.quantity,
    currency: l.price.currency,
    description: l.price.nickname,
    price: l.price,
    quantity: l.quantity,
  }));
}

/** The routes, tried in order; `origin` gives the fake's own URL for hosted pages. */
export function apiRoutes(store: StripeStore, origin: () => string): [string, RegExp, Route][] {
  const get = (map: Map<string, StripeObject>, kind: string, id: string) => {
    const found = map.get(id);
    if (!found) throw noSuch(kind, id);
    return found;
  };

  /** Stripe's list envelope: newest first, cursor paging by id, `limit` 1–100 (10 by default). */
  const list = (items: StripeObject[], params: FormObject, url: string): Answer => {
    const limit = params.limit === undefined ? 10 : Number(params.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw invalid('limit', 'Invalid integer: limit must be between 1 and 100.');
    }
    const newestFirst = [...items].reverse();
    let start = 0;
    let end = newestFirst.length;
    const after = str(params.starting_after);
    const before = str(params.ending_before);
    if (after) {
      const index = newestFirst.findIndex((item) => item.id === after);
      if (index < 0) throw noSuch('object', after, 'starting_after');
      start = index + 1;
    } else if (before) {
      const index = newestFirst.findIndex((item) => item.id === before);
      if (index < 0) throw noSuch('object', before, 'ending_before');
      end = index;
      start = Math.max(0, end - limit);
    }
    const data = newestFirst.slice(start, Math.min(end, start + limit));
    return { status: 200, body: { object: 'list', data, has_more: start + data.length < end, url } };
  };

  const createdFilter = (params: FormObject) => {
    const created = params.created;
    if (typeof created === 'string') return (t: number) => t === Number(created);
    const range = strings(created);
    return (t: number) =>
      (range.gte === undefined || t >= Number(range.gte)) &&
      (range.gt === undefined || t > Number(range.gt)) &&
      (range.lte === undefined || t <= Number(range.lte)) &&
      (range.lt === undefined || t < Number(range.lt));
  };

  const bool = (value: unknown, param: string): boolean | undefined => {
    if (value === undefined) return undefined;
    if (value === 'true' || value === 'false') return value === 'true';
    throw invalid(param, `Invalid boolean: ${JSON.stringify(value)}`);
  };

  const createSession: Route = (params) => {
    const mode = str(params.mode);
    if (!mode) throw missing('mode');
    if (mode !== 'payment' && mode !== 'subscription') {
      throw invalid(
        'mode',
        `Invalid mode: must be one of payment, subscription (the fake does not do ${mode}).`,
      );
    }
    const successUrl = str(params.success_url);
    if (!successUrl) throw missing('success_url');
    const customer = str(params.customer);
    if (customer !== undefined && !store.customers.has(customer))
      throw noSuch('customer', customer, 'customer');
    const items = objects(params.line_items);
    if (items.length === 0) throw missing('line_items');
    const lines = items.map((item, i) => {
      const priceId = str(item.price);
      if (!priceId) throw missing(`line_items[${i}][price]`);
      const price = store.prices.get(priceId);
      if (!price) {
        throw new StripeFakeError({
          status: 400,
          type: 'invalid_request_error',
          code: 'resource_missing',
          param: `line_items[${i}][price]`,
          message: `No such price: '${priceId}'`,
        });
      }
      const quantity = item.quantity === undefined ? 1 : Number(item.quantity);
      if (!Number.isInteger(quantity) || quantity < 1)
        throw invalid(`line_items[${i}][quantity]`, 'Invalid quantity.');
      return { price, quantity };
    });
    const recurring = lines.filter((l) => l.price.type === 'recurring').length;
    if (mode === 'payment' && recurring > 0) {
      throw invalid(
        'line_items',
        'You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.',
      );
    }
    if (mode === 'subscription' && recurring === 0) {
      throw invalid(
        'line_items',
        'You must provide at least one recurring price in `subscription` mode when using prices.',
      );
    }
    const session = store.base('cs_test', 'checkout.session');
    const amount = lines.reduce((sum, l) => sum + Number(l.price.unit_amount) * l.quantity, 0);
    const subscriptionData = params.subscription_data as FormObject | undefined;
    Object.assign(session, {
      allow_promotion_codes: bool(params.allow_promotion_codes, 'allow_promotion_codes') ?? null,
      amount_subtotal: amount,
      amount_total: amount,
      cancel_url: str(params.cancel_url) ?? null,
      client_reference_id: str(params.client_reference_id) ?? null,
      currency: lines[0]!.price.currency,
      customer: customer ?? null,
      customer_email: str(params.customer_email) ?? null,
      expires_at: store.now() + DAY,
      invoice: null,
      metadata: strings(params.metadata),
      mode,
      payment_intent: null,
      payment_status: 'unpaid',
      status: 'open',
      subscription: null,
      success_url: successUrl,
      url: `${origin()}/c/pay/${session.id}`,
      line_items_raw: lines,
      subscription_metadata: strings(subscriptionData?.metadata),
    });
    store.sessions.set(session.id, session);
    return store.publicSession(session);
  };

  const retrieveSession: Route = (params, [id]) => {
    const session = get(store.sessions, 'checkout.session', id!);
    const expand = Array.isArray(params.expand) ? params.expand : [];
    const shown = store.publicSession(session);
    if (expand.includes('line_items')) {
      shown.line_items = {
        object: 'list',
        data: sessionLineItems(session),
        has_more: false,
        url: `/v1/checkout/sessions/${id}/line_items`,
      };
    }
    return shown;
  };

  const updateSubscription: Route = (params, [id]) => {
    const sub = get(store.subscriptions, 'subscription', id!);
    if (sub.status === 'canceled') {
      throw invalid('id', 'A canceled subscription can only update its cancellation_details and metadata.');
    }
    const cancel = bool(params.cancel_at_period_end, 'cancel_at_period_end');
    const items = objects(params.items);
    const newPrices = items.map((item, i) => {
      const priceId = str(item.price);
      if (!priceId) throw missing(`items[${i}][price]`);
      const price = store.prices.get(priceId);
      if (!price || price.type !== 'recurring') throw noSuch('price', priceId, `items[${i}][price]`);
      const itemId = str(item.id);
      const current = (sub.items as { data: StripeObject[] }).data;
      if (itemId !== undefined && !current.some((c) => c.id === itemId)) {
        throw noSuch('subscription item', itemId, `items[${i}][id]`);
      }
      return price;
    });
    store.update(sub, (s) => {
      if (cancel !== undefined) {
        Object.assign(s, {
          cancel_at_period_end: cancel,
          cancel_at: cancel ? s.current_period_end : null,
          canceled_at: cancel ? store.now() : null,
        });
      }
      if (params.metadata !== undefined)
        s.metadata = { ...(s.metadata as object), ...strings(params.metadata) };
      if (newPrices.length > 0) {
        const data = (s.items as { data: StripeObject[] }).data;
        const item = data[0]!;
        item.price = newPrices[0];
      }
    });
    if (newPrices.length > 0 && str(params.proration_behavior) === 'always_invoice') {
      store.invoice(sub, 'subscription_update', true);
    }
    return sub;
  };

  return [
    [
      'POST',
      /^\/v1\/customers$/,
      (params) => {
        const customer: StripeObject = {
          ...store.base('cus', 'customer'),
          description: str(params.description) ?? null,
          email: str(params.email) ?? null,
          invoice_settings: { default_payment_method: null },
          metadata: strings(params.metadata),
          name: str(params.name) ?? null,
        };
        store.customers.set(customer.id, customer);
        store.emit('customer.created', customer);
        return customer;
      },
    ],
    [
      'GET',
      /^\/v1\/customers$/,
      (params) => {
        const email = str(params.email);
        return list(
          [...store.customers.values()].filter((c) => !email || c.email === email),
          params,
          '/v1/customers',
        );
      },
    ],
    ['GET', /^\/v1\/customers\/([^/]+)$/, (_p, [id]) => get(store.customers, 'customer', id!)],
    ['POST', /^\/v1\/checkout\/sessions$/, createSession],
    ['GET', /^\/v1\/checkout\/sessions\/([^/]+)$/, retrieveSession],
    [
      'GET',
      /^\/v1\/checkout\/sessions\/([^/]+)\/line_items$/,
      (params, [id]) => {
        const session = get(store.sessions, 'checkout.session', id!);
        const items = sessionLineItems(session) as unknown as StripeObject[];
        return list(items.reverse(), params, `/v1/checkout/sessions/${id}/line_items`);
      },
    ],
    [
      'POST',
      /^\/v1\/billing_portal\/sessions$/,
      (params) => {
        const customer = str(params.customer);
        if (!customer) throw missing('customer');
        if (!store.customers.has(customer)) throw noSuch('customer', customer, 'customer');
        const portal = store.base('bps', 'billing_portal.session');
        Object.assign(portal, {
          customer,
          return_url: str(params.return_url) ?? null,
          url: `${origin()}/p/session/${portal.id}`,
        });
        store.portalSessions.set(portal.id, portal);
        return portal;
      },
    ],
    [
      'GET',
      /^\/v1\/subscriptions$/,
      (params) => {
        const customer = str(params.customer);
        const status = str(params.status);
        const subs = [...store.subscriptions.values()].filter(
          (s) =>
            (!customer || s.customer === customer) &&
            (status === 'all' || (status ? s.status === status : s.status !== 'canceled')),
        );
        return list(subs, params, '/v1/subscriptions');
      },
    ],
    ['GET', /^\/v1\/subscriptions\/([^/]+)$/, (_p, [id]) => get(store.subscriptions, 'subscription', id!)],
    ['POST', /^\/v1\/subscriptions\/([^/]+)$/, updateSubscription],
    [
      'DELETE',
      /^\/v1\/subscriptions\/([^/]+)$/,
      (_p, [id]) => {
        const sub = get(store.subscriptions, 'subscription', id!);
        if (sub.status === 'canceled')
          throw invalid('id', `No such subscription: '${id}' (already canceled)`);
        return store.end(sub.id);
      },
    ],
    [
      'GET',
      /^\/v1\/prices$/,
      (params) => {
        const type = str(params.type);
        const active = bool(params.active, 'active');
        const keys = Array.isArray(params.lookup_keys) ? params.lookup_keys : undefined;
        const prices = [...store.prices.values()].filter(
          (p) =>
            (!type || p.type === type) &&
            (active === undefined || p.active === active) &&
            (!keys || keys.includes(String(p.lookup_key))),
        );
        return list(prices, params, '/v1/prices');
      },
    ],
    ['GET', /^\/v1\/prices\/([^/]+)$/, (_p, [id]) => get(store.prices, 'price', id!)],
    [
      'GET',
      /^\/v1\/invoices$/,
      (params) => {
        const customer = str(params.customer);
        const subscription = str(params.subscription);
        const status = str(params.status);
        const inRange = createdFilter(params);
        const invoices = [...store.invoices.values()].filter(
          (i) =>
            (!customer || i.customer === customer) &&
            (!subscription ||
              (i.parent as { subscription_details?: { subscription?: string } } | null)?.subscription_details
                ?.subscription === subscription) &&
            (!status || i.status === status) &&
            inRange(Number(i.created)),
        );
        return list(invoices, params, '/v1/invoices');
      },
    ],
    ['GET', /^\/v1\/invoices\/([^/]+)$/, (_p, [id]) => get(store.invoices, 'invoice', id!)],
    [
      'GET',
      /^\/v1\/invoice_payments$/,
      (params) => {
        const invoice = str(params.invoice);
        const payment = strings(params.payment);
        return list(
          [...store.invoicePayments.values()].filter(
            (p) =>
              (!invoice || p.invoice === invoice) &&
              (!payment.payment_intent ||
                (p.payment as { payment_intent?: string }).payment_intent === payment.payment_intent),
          ),
          params,
          '/v1/invoice_payments',
        );
      },
    ],
    [
      'GET',
      /^\/v1\/payment_intents\/([^/]+)$/,
      (_p, [id]) => get(store.paymentIntents, 'payment_intent', id!),
    ],
    ['GET', /^\/v1\/charges\/([^/]+)$/, (_p, [id]) => get(store.charges, 'charge', id!)],
    [
      'GET',
      /^\/v1\/events$/,
      (params) => {
        const types = Array.isArray(params.types) ? params.types.map(String) : undefined;
        const type = str(params.type);
        const typeMatches = (t: string) =>
          type === undefined || (type.endsWith('.*') ? t.startsWith(type.slice(0, -1)) : t === type);
        const success = bool(params.delivery_success, 'delivery_success');
        const inRange = createdFilter(params);
        const events = store.events.filter(
          (e) =>
            (!types || types.includes(String(e.type))) &&
            typeMatches(String(e.type)) &&
            (success === undefined || (e.pending_webhooks === 0) === success) &&
            inRange(Number(e.created)),
        );
        return list(events, params, '/v1/events');
      },
    ],
    [
      'GET',
      /^\/v1\/events\/([^/]+)$/,
      (_p, [id]) => {
        const event = store.events.find((e) => e.id === id);
        if (!event) throw noSuch('event', id!);
        return event;
      },
    ],
  ];
}
