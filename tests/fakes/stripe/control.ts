/**
 * The Stripe fake's control routes, for tests that reach the fake only over
 * HTTP: the browser journeys run the platform in a child process and the
 * test in a vitest worker, neither of which holds the fake object (it lives
 * in the e2e global setup). They drive what in life happens on Stripe's side
 * with nobody clicking: a renewal, the end of a subscription, a webhook sent
 * again. Unauthenticated, like the rest of the fake's test API, which is why
 * the fake listens on 127.0.0.1 only.
 *
 *   GET  /__control/subscriptions?email=|customer=   the customer's subscriptions, newest first
 *   POST /__control/subscriptions/:id/renew          next period, paid invoice → { invoice, events }
 *   POST /__control/subscriptions/:id/end            ends it now → { subscription, events }
 *   POST /__control/events/:id/redeliver             sends the event again → { delivery }
 *   POST /__control/webhooks/settled                 answers 204 once no delivery is in flight
 *
 * `events` are the ids and types of the events the change emitted, so a test
 * can redeliver one of them (a duplicate `invoice.paid`, say).
 */
import type { ServerResponse } from 'node:http';
import { sendJson, type FakeRequest } from '../fake-server';
import type { StripeObject, StripeStore } from './store';
import type { StripeDelivery } from './webhooks';

export const CONTROL_PREFIX = '/__control/';

/** What the routes need of the fake (its test API). */
export interface ControlTarget {
  readonly store: StripeStore;
  renewSubscription(subId: string): StripeObject;
  endSubscription(subId: string): StripeObject;
  redeliver(eventId: string): Promise<StripeDelivery>;
  webhooksSettled(): Promise<void>;
}

export interface EmittedEvent {
  id: string;
  type: string;
}

/** A refusal with its status (404 unknown object, 400 bad query, 409 wrong state). */
class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Runs a change and returns what it returned with the events it emitted, oldest first. */
function recording<T>(store: StripeStore, change: () => T): { result: T; events: EmittedEvent[] } {
  const before = store.events.length;
  const result = change();
  const events = store.events.slice(before).map((e) => ({ id: e.id, type: String(e.type) }));
  return { result, events };
}

function subscriptionsOf(store: StripeStore, query: URLSearchParams): StripeObject[] {
  const email = query.get('email');
  const customer = query.get('customer');
  if (!email && !customer) throw new ControlError(400, 'give ?email= or ?customer=');
  const customers = new Set(
    customer ? [customer] : [...store.customers.values()].filter((c) => c.email === email).map((c) => c.id),
  );
  return [...store.subscriptions.values()]
    .filter((s) => customers.has(String(s.customer)))
    .sort((a, b) => Number(b.created) - Number(a.created) || b.id.localeCompare(a.id));
}

/** A subscription that has not ended: Stripe neither renews nor ends a canceled one. */
function running(store: StripeStore, subId: string): string {
  const sub = store.subscriptions.get(subId);
  if (!sub) throw new ControlError(404, `no such subscription ${subId}`);
  if (sub.status === 'canceled') throw new ControlError(409, `subscription ${subId} is canceled`);
  return subId;
}

/** Answers a control route and returns true, or returns false for every other path. */
export async function serveControl(
  target: ControlTarget,
  request: FakeRequest,
  res: ServerResponse,
): Promise<boolean> {
  if (!request.path.startsWith(CONTROL_PREFIX)) return false;
  const route = `${request.method} ${request.path.slice(CONTROL_PREFIX.length - 1)}`;
  const { store } = target;
  try {
    let match: RegExpExecArray | null;
    if (route === 'GET /subscriptions') {
      sendJson(res, 200, { data: subscriptionsOf(store, request.url.searchParams) });
    } else if ((match = /^POST \/subscriptions\/([^/]+)\/renew$/.exec(route))) {
      const subId = running(store, decodeURIComponent(match[1]!));
      const { result, events } = recording(store, () => target.renewSubscription(subId));
      sendJson(res, 200, { invoice: result, events });
    } else if ((match = /^POST \/subscriptions\/([^/]+)\/end$/.exec(route))) {
      const subId = running(store, decodeURIComponent(match[1]!));
      const { result, events } = recording(store, () => target.endSubscription(subId));
      sendJson(res, 200, { subscription: result, events });
    } else if ((match = /^POST \/events\/([^/]+)\/redeliver$/.exec(route))) {
      const eventId = decodeURIComponent(match[1]!);
      if (!store.events.some((e) => e.id === eventId))
        throw new ControlError(404, `no such event ${eventId}`);
      const { eventId: id, type, attempt, status } = await target.redeliver(eventId);
      sendJson(res, 200, { delivery: { eventId: id, type, attempt, status } });
    } else if (route === 'POST /webhooks/settled') {
      await target.webhooksSettled();
      res.writeHead(204).end();
    } else {
      throw new ControlError(404, `no control route ${route}`);
    }
  } catch (error) {
    if (!(error instanceof ControlError)) throw error;
    sendJson(res, error.status, { error: { message: error.message } });
  }
  return true;
}
